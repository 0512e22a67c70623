import type { RouteObject } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

function Placeholder() {
  const { t } = useTranslation();
  return <h1>{t('apiKeys.title')}</h1>;
}

/** The api-keys pages (paths relative to /console/). */
export const apiKeysRoutes: RouteObject[] = [{ path: 'api-keys', element: <Placeholder /> }];
