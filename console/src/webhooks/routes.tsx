import type { RouteObject } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

function Placeholder() {
  const { t } = useTranslation();
  return <h1>{t('webhooks.title')}</h1>;
}

/** The webhooks pages (paths relative to /console/). */
export const webhooksRoutes: RouteObject[] = [{ path: 'webhooks', element: <Placeholder /> }];
