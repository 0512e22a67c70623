import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { LANGUAGES } from '../lib/language';
import { viewerTimeZone } from '../lib/format';
import { useSession } from '../session';

/** The frame of every signed-in page: navigation (a menu at phone width), language, who is signed in. */
export function Layout() {
  const { t, i18n } = useTranslation();
  const { session, can, signOut } = useSession();
  const principal = session?.principal;
  const [menuOpen, setMenuOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setMenuOpen(false), [location.pathname]);
  const links: [string, string, boolean][] = [
    ['/', t('common.nav.overview'), true],
    ['/clients', t('common.nav.clients'), true],
    ['/mailings', t('common.nav.mailings'), true],
    ['/webhooks', t('common.nav.webhooks'), true],
    ['/integrations', t('common.nav.integrations'), true],
    ['/api-keys', t('common.nav.apiKeys'), can('admin')],
  ];
  return (
    <div className="layout">
      <header className="topbar">
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        <strong className="brand">{t('common.appName')}</strong>
        <button type="button" className="menu-toggle outline" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen((o) => !o)}>
          {t('common.nav.menu')}
        </button>
        <nav id="main-nav" className={menuOpen ? 'menu open' : 'menu'} aria-label={t('common.nav.menu')}>
            <ul>
              {links
                .filter(([, , shown]) => shown)
                .map(([to, label]) => (
                  <li key={to}>
                    <NavLink to={to} end={to === '/'}>
                      {label}
                    </NavLink>
                  </li>
                ))}
              {session?.temporal_ui_url && (
                <li>
                  <a href={session.temporal_ui_url} target="_blank" rel="noreferrer">
                    {t('common.nav.temporal')}
                  </a>
                </li>
              )}
              <li>
                <a href="/docs/" target="_blank" rel="noreferrer">
                  {t('common.nav.docs')}
                </a>
              </li>
            </ul>
        </nav>
        <div className="who">
          <label className="language">
            <span className="visually-hidden">{t('common.language.label')}</span>
            <select value={i18n.language} onChange={(e) => void i18n.changeLanguage(e.target.value)} aria-label={t('common.language.label')}>
              {LANGUAGES.map((lng) => (
                <option key={lng} value={lng}>
                  {t(`common.language.${lng}`)}
                </option>
              ))}
            </select>
          </label>
          {principal && (
            <span className="principal">
              {t('common.auth.signedInAs', { name: principal.name, role: t(`common.roles.${principal.role}`) })}
            </span>
          )}
          <button type="button" className="outline secondary" onClick={() => void signOut()}>
            {t('common.auth.signOut')}
          </button>
        </div>
      </header>
      <main id="main" className="container-fluid">
        <Outlet />
        <footer>
          <small>{t('common.time.yourZone', { zone: viewerTimeZone() })}</small>
        </footer>
      </main>
    </div>
  );
}

/** The note shown on a page whose writes the principal's role does not allow. */
export function ReadOnlyNote() {
  const { t } = useTranslation();
  const { session, can } = useSession();
  if (can('operator')) return null;
  return <p className="note">{t('common.states.readOnly', { role: t(`common.roles.${session?.principal?.role ?? 'viewer'}`) })}</p>;
}
