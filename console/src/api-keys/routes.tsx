import type { RouteObject } from 'react-router-dom';

/** The api-keys pages (paths relative to /console/). */
export const apiKeysRoutes: RouteObject[] = [{ path: 'api-keys', lazy: async () => ({ Component: (await import('./ApiKeysPage')).ApiKeysPage }) }];
