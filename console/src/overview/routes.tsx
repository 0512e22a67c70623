import type { RouteObject } from 'react-router-dom';
import { OverviewPage } from './OverviewPage';

/** The overview pages (paths relative to /console/). */
export const overviewRoutes: RouteObject[] = [{ index: true, element: <OverviewPage /> }];
