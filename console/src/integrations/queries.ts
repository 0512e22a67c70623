// Reads shared by the integrations pages: the plugin catalogue (fixed while the API runs), and one invalidation for
// everything under /api/v1/integrations and /api/v1/credentials after a write.
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { api, key, unwrap, type Schemas } from '../api';

export type Provider = Schemas['Provider'];
export type CredentialType = Schemas['CredentialType'];
export type Credential = Schemas['Credential'];
export type Integration = Schemas['Integration'];
export type Run = Schemas['IntegrationRun'];
export type IntegrationRecord = Schemas['IntegrationRecord'];
/** What the API takes as config, public or secret fields (a JSON object). */
export type JsonObject = Schemas['CreateIntegration']['config'];

const PLUGINS_STALE_MS = 10 * 60_000;

export function useProviders() {
  return useQuery({ queryKey: key('/api/v1/providers'), queryFn: () => unwrap(api.GET('/api/v1/providers')), staleTime: PLUGINS_STALE_MS });
}

export function useCredentialTypes() {
  return useQuery({ queryKey: key('/api/v1/credential-types'), queryFn: () => unwrap(api.GET('/api/v1/credential-types')), staleTime: PLUGINS_STALE_MS });
}

/** Every credential (for pickers and names in lists): pages of 500 until the end. */
export function useAllCredentials() {
  return useQuery({
    queryKey: key('/api/v1/credentials', { all: true }),
    queryFn: async () => {
      const items: Credential[] = [];
      let cursor: number | undefined;
      for (;;) {
        const page = await unwrap(api.GET('/api/v1/credentials', { params: { query: { limit: 500, ...(cursor !== undefined ? { cursor } : {}) } } }));
        items.push(...page.items);
        if (page.next_cursor === null) return items;
        cursor = page.next_cursor;
      }
    },
  });
}

/** After a write: every list and detail of integrations, runs, records and credentials is read again. */
export function invalidateIntegrations(queryClient: QueryClient): Promise<void> {
  return queryClient.invalidateQueries({
    predicate: (q) => {
      const path = String(q.queryKey[0]);
      return path.startsWith('/api/v1/integrations') || path.startsWith('/api/v1/credentials');
    },
  });
}

/** A route's numeric id, or null when it is not one. */
export const idParam = (value: string | undefined): number | null => (value && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : null);
