import type { RouteObject } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

function Placeholder() {
  const { t } = useTranslation();
  return <h1>{t('integrations.title')}</h1>;
}

/** The integrations pages (paths relative to /console/). */
export const integrationsRoutes: RouteObject[] = [{ path: 'integrations', element: <Placeholder /> }];
