import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation } from 'react-router-dom';
import { RelayProblem } from './api';
import { apiKeysRoutes } from './api-keys/routes';
import { SignInPage } from './auth/SignInPage';
import { clientsRoutes } from './clients/routes';
import { Layout } from './components/Layout';
import { ErrorState, Loading } from './components/States';
import { integrationsRoutes } from './integrations/routes';
import { mailingsRoutes } from './mailings/routes';
import { overviewRoutes } from './overview/routes';
import { SessionProvider, useSession } from './session';
import { webhooksRoutes } from './webhooks/routes';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not heal by asking again; a network error or a 5xx might.
      retry: (count, error) => !(error instanceof RelayProblem && error.status < 500) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});
// A session that ended (expired, revoked) turns every request into a 401: go back to sign-in.
queryClient.getQueryCache().subscribe((event) => {
  const error = event.query.state.error;
  if (event.type === 'updated' && error instanceof RelayProblem && error.status === 401 && event.query.queryKey[0] !== '/api/v1/session') {
    void queryClient.invalidateQueries({ queryKey: ['/api/v1/session'] });
  }
});

/** Signed-in pages only: anyone else is sent to sign-in (and back here afterwards). */
function RequireSession() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!session?.authenticated) {
    const back = `/console${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?return_to=${encodeURIComponent(back)}`} replace />;
  }
  return <Outlet />;
}

function SignInRoute() {
  const { session, loading } = useSession();
  const location = useLocation();
  if (loading) return <Loading />;
  if (session?.authenticated) {
    const back = new URLSearchParams(location.search).get('return_to');
    const inside = back?.startsWith('/console/') ? back.slice('/console'.length) : '/';
    return <Navigate to={inside} replace />;
  }
  return <SignInPage />;
}

function NotFound() {
  const { t } = useTranslation();
  return <h1>{t('common.states.notFound')}</h1>;
}

const router = createBrowserRouter(
  [
    { path: 'sign-in', element: <SignInRoute /> },
    {
      element: <RequireSession />,
      errorElement: <ErrorState error={new Error('unexpected')} />,
      children: [
        {
          element: <Layout />,
          children: [...overviewRoutes, ...clientsRoutes, ...mailingsRoutes, ...webhooksRoutes, ...integrationsRoutes, ...apiKeysRoutes, { path: '*', element: <NotFound /> }],
        },
      ],
    },
  ],
  { basename: '/console' },
);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <RouterProvider router={router} />
      </SessionProvider>
    </QueryClientProvider>
  );
}
