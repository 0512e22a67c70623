import { createHttpClient } from '../../lib/integrations/http-client';
import { fetchOnePage } from '../../lib/integrations/fetch-page';
import type { OpenedCredential, Provider, SyncContext, SyncPage } from '../../lib/integrations/plugin';
import { loadPlugins } from '../../lib/integrations/registry';
import { createLogger } from '../../lib/logger';

const registry = loadPlugins();

/** A provider from the real registry (plugins/ folders). */
export function provider(id: string): Provider {
  const found = registry.providers.get(id);
  if (!found) throw new Error(`no provider ${id}`);
  return found;
}

/**
 * A SyncContext as the sync activity builds one: config parsed by the provider's schema, auth headers from the
 * credential type, the guarded HTTP client allowing 127.0.0.1 (the fake upstreams).
 */
export function syncContext(p: Provider, config: unknown, credential: OpenedCredential | null = null, timeoutMs = 5_000): SyncContext<unknown> {
  const type = credential ? registry.credentialTypes.get(credential.type) : undefined;
  if (credential && !type) throw new Error(`no credential type ${credential.type}`);
  return {
    config: p.configSchema.parse(config),
    credential,
    authHeaders: credential && type ? type.headers(type.publicSchema.parse(credential.public), type.secretSchema.parse(credential.secret)) : {},
    http: createHttpClient({ policy: { allowlist: ['127.0.0.1'], httpsOnly: false }, timeoutMs }),
    signal: new AbortController().signal,
    logger: createLogger('silent'),
  };
}

/**
 * Drives a sync the way the activity does: one page per call to fetchOnePage, each from the cursor the previous page
 * left (a fresh generator every time), until a page says there is no more. Returns every page and the final cursor.
 */
export async function syncAll(p: Provider, ctx: SyncContext<unknown>, cursor: string | null, maxPages = 1_000): Promise<{ pages: SyncPage[]; cursor: string | null }> {
  const pages: SyncPage[] = [];
  for (let i = 0; i < maxPages; i++) {
    const page = await fetchOnePage(p, ctx, cursor);
    pages.push(page);
    cursor = page.nextCursor;
    if (!page.hasMore) return { pages, cursor };
  }
  throw new Error(`more than ${maxPages} pages`);
}
