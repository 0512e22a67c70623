import type { RouteObject } from 'react-router-dom';
import { useTranslation } from 'react-i18next';

function Placeholder() {
  const { t } = useTranslation();
  return <h1>{t('mailings.title')}</h1>;
}

/** The mailings pages (paths relative to /console/). */
export const mailingsRoutes: RouteObject[] = [{ path: 'mailings', element: <Placeholder /> }];
