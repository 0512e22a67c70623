import { Outlet, type RouteObject } from 'react-router-dom';

// Each page is its own chunk, loaded when first visited; one box around them scopes their styles (.webhooks).
/** The webhooks pages (paths relative to /console/). */
export const webhooksRoutes: RouteObject[] = [
  {
    element: (
      <div className="webhooks">
        <Outlet />
      </div>
    ),
    children: [
      { path: 'webhooks', lazy: async () => ({ Component: (await import('./EndpointsPage')).EndpointsPage }) },
      { path: 'webhooks/endpoints/:id', lazy: async () => ({ Component: (await import('./EndpointPage')).EndpointPage }) },
      { path: 'webhooks/event-types', lazy: async () => ({ Component: (await import('./EventTypesPage')).EventTypesPage }) },
      { path: 'webhooks/events', lazy: async () => ({ Component: (await import('./EventsPage')).EventsPage }) },
      { path: 'webhooks/events/:id', lazy: async () => ({ Component: (await import('./EventPage')).EventPage }) },
    ],
  },
];
