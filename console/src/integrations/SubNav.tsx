import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';

/** Integrations | Credentials, above every integrations page. */
export function SubNav() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const onCredentials = pathname.startsWith('/integrations/credentials');
  return (
    <nav className="subnav" aria-label={t('integrations.sections')}>
      <ul>
        <li>
          <Link to="/integrations" className={onCredentials ? undefined : 'active'} aria-current={onCredentials ? undefined : 'true'}>
            {t('integrations.title')}
          </Link>
        </li>
        <li>
          <Link to="/integrations/credentials" className={onCredentials ? 'active' : undefined} aria-current={onCredentials ? 'true' : undefined}>
            {t('integrations.credentials.title')}
          </Link>
        </li>
      </ul>
    </nav>
  );
}
