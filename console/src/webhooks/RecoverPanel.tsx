import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, key, RelayProblem, unwrap } from '../api';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { ErrorState } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { isoToLocalInput, localInputToIso } from '../lib/format';
import { useInvalidateWebhooks } from './shared';
import { recoveryProgress } from './webhook-views';

/**
 * Recover the endpoint's failed deliveries created in a period (a background workflow), and the latest recovery's
 * progress: polled every second while it runs.
 */
export function RecoverPanel({ endpointId, readOnly = false }: { endpointId: number; readOnly?: boolean }) {
  const { t } = useTranslation();
  const invalidate = useInvalidateWebhooks();
  const [since, setSince] = useState(() => isoToLocalInput(new Date(Date.now() - 86_400_000).toISOString()));
  const [until, setUntil] = useState('');
  const latest = useQuery({
    queryKey: key('/api/v1/webhooks/endpoints/{id}/recover', { id: endpointId }),
    queryFn: async () => {
      try {
        return await unwrap(api.GET('/api/v1/webhooks/endpoints/{id}/recover', { params: { path: { id: endpointId } } }));
      } catch (err) {
        if (err instanceof RelayProblem && err.status === 404) return null; // none ran (or Temporal no longer keeps it)
        throw err;
      }
    },
    refetchInterval: (q) => (q.state.data && recoveryProgress(q.state.data).running ? 1_000 : false),
  });
  const start = useMutation({
    mutationFn: () => {
      const from = localInputToIso(since);
      const to = until ? localInputToIso(until) : null;
      // An empty or unreadable date goes as '' so the API names the field itself.
      return unwrap(
        api.POST('/api/v1/webhooks/endpoints/{id}/recover', { params: { path: { id: endpointId } }, body: { since: from ?? since, ...(until ? { until: to ?? until } : {}) } }),
      );
    },
    onSuccess: async () => {
      await invalidate();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    start.mutate();
  };
  const run = latest.data;
  const progress = run ? recoveryProgress(run) : null;
  const wasRunning = progress?.running ?? false;
  return (
    <article aria-busy={wasRunning}>
      <header>
        <strong>{t('webhooks.recover.title')}</strong>
      </header>
      {!readOnly && (
        <form onSubmit={submit} noValidate>
          <p>
            <small>{t('webhooks.recover.hint')}</small>
          </p>
          <div className="grid">
            <Field label={t('webhooks.recover.since')} name="since" error={start.error}>
              <input type="datetime-local" required value={since} onChange={(e) => setSince(e.target.value)} />
            </Field>
            <Field label={t('webhooks.recover.until')} name="until" error={start.error}>
              <input type="datetime-local" value={until} onChange={(e) => setUntil(e.target.value)} />
            </Field>
          </div>
          <button type="submit" aria-busy={start.isPending} disabled={start.isPending || wasRunning}>
            {t('webhooks.recover.start')}
          </button>
          <ProblemAlert error={start.error} shown={['since', 'until']} />
        </form>
      )}
      <section className="recovery" aria-label={t('webhooks.recover.latest')} aria-live="polite">
        <h3>{t('webhooks.recover.latest')}</h3>
        {latest.isError ? (
          <ErrorState error={latest.error} onRetry={() => void latest.refetch()} />
        ) : latest.isPending ? null : !run || !progress ? (
          <p className="note">{t('webhooks.recover.none')}</p>
        ) : (
          <>
            <p>
              <StatusBadge status={run.status} label={t(`webhooks.recover.status.${run.status}`)} />{' '}
              {progress.running
                ? progress.left === null
                  ? t('webhooks.recover.runningUnknown')
                  : t('webhooks.recover.running', { left: progress.left })
                : progress.done
                  ? progress.left === null
                    ? t('webhooks.recover.doneNoLeft', { restarted: progress.restarted ?? 0 })
                    : t('webhooks.recover.done', { restarted: progress.restarted ?? 0, left: progress.left })
                  : t('webhooks.recover.ended', { status: t(`webhooks.recover.status.${run.status}`) })}
            </p>
            {progress.running && <progress aria-label={t('webhooks.recover.runningUnknown')} />}
            <dl className="facts">
              {run.since && (
                <>
                  <dt>{t('webhooks.recover.window')}</dt>
                  <dd>
                    <Time value={run.since} /> – <Time value={run.until} />
                  </dd>
                </>
              )}
              <dt>{t('webhooks.recover.started')}</dt>
              <dd>
                <Time value={run.started_at} />
              </dd>
              {run.closed_at && (
                <>
                  <dt>{t('webhooks.recover.finished')}</dt>
                  <dd>
                    <Time value={run.closed_at} />
                  </dd>
                </>
              )}
            </dl>
          </>
        )}
      </section>
    </article>
  );
}
