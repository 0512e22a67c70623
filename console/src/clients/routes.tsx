import type { RouteObject } from 'react-router-dom';
import { ClientsPage } from './ClientsPage';

/** The clients pages (paths relative to /console/). */
export const clientsRoutes: RouteObject[] = [{ path: 'clients', element: <ClientsPage /> }];
