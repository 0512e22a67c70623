import type { RouteObject } from 'react-router-dom';

// Each page is its own chunk (the generated forms bring rjsf and a JSON Schema validator): loaded when first visited.
/** The integrations pages (paths relative to /console/). */
export const integrationsRoutes: RouteObject[] = [
  { path: 'integrations', lazy: async () => ({ Component: (await import('./IntegrationsPage')).IntegrationsPage }) },
  { path: 'integrations/new', lazy: async () => ({ Component: (await import('./IntegrationFormPage')).IntegrationFormPage }) },
  { path: 'integrations/credentials', lazy: async () => ({ Component: (await import('./CredentialsPage')).CredentialsPage }) },
  { path: 'integrations/credentials/new', lazy: async () => ({ Component: (await import('./CredentialPage')).CredentialPage }) },
  { path: 'integrations/credentials/:id', lazy: async () => ({ Component: (await import('./CredentialPage')).CredentialPage }) },
  { path: 'integrations/:id', lazy: async () => ({ Component: (await import('./IntegrationPage')).IntegrationPage }) },
  { path: 'integrations/:id/edit', lazy: async () => ({ Component: (await import('./IntegrationFormPage')).IntegrationFormPage }) },
  { path: 'integrations/:id/records', lazy: async () => ({ Component: (await import('./RecordsPage')).RecordsPage }) },
];
