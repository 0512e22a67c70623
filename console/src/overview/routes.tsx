import type { RouteObject } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

function Placeholder() {
  const { t } = useTranslation();
  return <h1>{t('overview.title')}</h1>;
}

/** The overview pages (paths relative to /console/). */
export const overviewRoutes: RouteObject[] = [{ index: true, element: <Placeholder /> }];
