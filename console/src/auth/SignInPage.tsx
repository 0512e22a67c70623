import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { api, unwrap } from '../api';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { SESSION_KEY, useSession } from '../session';

const OIDC_ERRORS = ['denied', 'no_role', 'domain', 'state'] as const;

/** Sign-in: through the organisation's OIDC provider when configured, else (or also) with an API key. */
export function SignInPage() {
  const { t } = useTranslation();
  const { session } = useSession();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const [apiKey, setApiKey] = useState('');
  const signIn = useMutation({
    mutationFn: (key: string) => unwrap(api.POST('/api/v1/session', { body: { api_key: key } })),
    onSuccess: (answer) => queryClient.setQueryData(SESSION_KEY, answer),
  });
  const error = params.get('error');
  const errorText = error ? t(`common.auth.error.${(OIDC_ERRORS as readonly string[]).includes(error) ? (error as (typeof OIDC_ERRORS)[number]) : 'unknown'}`) : null;
  const returnTo = params.get('return_to') ?? '/console/';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate(apiKey.trim());
  };
  return (
    <main className="container sign-in">
      <article>
        <header>
          <h1>{t('common.auth.signInTitle')}</h1>
        </header>
        {errorText && (
          <p className="problem" role="alert">
            {errorText}
          </p>
        )}
        {session?.methods?.oidc && session.oidc_login_url && (
          <p>
            <a role="button" href={`${session.oidc_login_url}?return_to=${encodeURIComponent(returnTo)}`}>
              {t('common.auth.withOidc')}
            </a>
          </p>
        )}
        <form onSubmit={submit} aria-label={t('common.auth.withApiKey')}>
          <h2>{t('common.auth.withApiKey')}</h2>
          <Field label={t('common.auth.apiKey')} name="api_key" error={signIn.error} hint={t('common.auth.apiKeyHint')}>
            <input type="password" autoComplete="current-password" required value={apiKey} onChange={(e) => setApiKey(e.target.value)} />
          </Field>
          <ProblemAlert error={signIn.error} shown={['api_key']} />
          <button type="submit" aria-busy={signIn.isPending} disabled={signIn.isPending}>
            {t('common.auth.signIn')}
          </button>
        </form>
      </article>
    </main>
  );
}
