import type { RouteObject } from 'react-router-dom';

// Each page is its own chunk, loaded when first visited.
/** The mailings pages (paths relative to /console/). */
export const mailingsRoutes: RouteObject[] = [
  { path: 'mailings', lazy: async () => ({ Component: (await import('./MailingsPage')).MailingsPage }) },
  { path: 'mailings/new', lazy: async () => ({ Component: (await import('./MailingFormPage')).NewMailingPage }) },
  { path: 'mailings/recurrences', lazy: async () => ({ Component: (await import('./RecurrencesPage')).RecurrencesPage }) },
  { path: 'mailings/:id', lazy: async () => ({ Component: (await import('./MailingPage')).MailingPage }) },
  { path: 'mailings/:id/edit', lazy: async () => ({ Component: (await import('./MailingFormPage')).EditMailingPage }) },
];
