import { createRelayClient, RelayProblem, unwrap } from '@client';

export { RelayProblem, unwrap };
export type { Schemas } from '@client';

/** The CSRF token of the signed-in session (set by the session provider; sent with every write). */
let csrf: string | undefined;
export const setCsrfToken = (token: string | undefined): void => {
  csrf = token;
};

/** The console's one API client: same origin, the session cookie, the CSRF token on writes. */
export const api = createRelayClient({ baseUrl: '', csrfToken: () => csrf });

/**
 * React Query keys are the client's paths plus their parameters, so one invalidation by path prefix refreshes
 * every list and detail under it (e.g. invalidate ['/api/v1/clients'] after a create).
 */
export const key = (path: string, params?: unknown): unknown[] => (params === undefined ? [path] : [path, params]);
