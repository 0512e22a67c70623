import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, key, RelayProblem, unwrap, type Schemas } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { ReadOnlyNote } from '../components/Layout';
import { ProblemAlert } from '../components/ProblemAlert';
import { ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatDuration } from '../lib/format';
import { useSession } from '../session';
import { EndpointAttempts } from './EndpointAttempts';
import { EndpointDeliveries } from './EndpointDeliveries';
import { EndpointForm } from './EndpointForm';
import { RecoverPanel } from './RecoverPanel';
import { RangeSelect, SecretReveal, StatsCards, useInvalidateWebhooks, WebhooksNav } from './shared';
import { rangeSince, type Range } from './webhook-views';

type Endpoint = Schemas['WebhookEndpoint'];

/** One endpoint: status and health, figures, settings, secret rotation, test send, recovery and its attempt log. */
export function EndpointPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const query = useQuery({
    queryKey: key('/api/v1/webhooks/endpoints/{id}', { id }),
    queryFn: () => unwrap(api.GET('/api/v1/webhooks/endpoints/{id}', { params: { path: { id } } })),
    refetchInterval: 15_000,
  });
  if (query.isPending) return <Loading />;
  if (query.isError) {
    const missing = query.error instanceof RelayProblem && (query.error.status === 404 || query.error.status === 400);
    return (
      <section>
        <WebhooksNav />
        <p>
          <Link to="/webhooks">← {t('webhooks.endpoint.back')}</Link>
        </p>
        {missing ? <p className="empty">{t('webhooks.endpoint.notFound')}</p> : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </section>
    );
  }
  return <EndpointView endpoint={query.data} />;
}

function EndpointView({ endpoint }: { endpoint: Endpoint }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const navigate = useNavigate();
  const invalidate = useInvalidateWebhooks();
  const writable = can('operator');
  const [editing, setEditing] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [range, setRange] = useState<Range>('day');
  const since = rangeSince(range);
  const stats = useQuery({
    queryKey: key('/api/v1/webhooks/endpoints/{id}/stats', { id: endpoint.id, since }),
    queryFn: () => unwrap(api.GET('/api/v1/webhooks/endpoints/{id}/stats', { params: { path: { id: endpoint.id }, query: since ? { since } : {} } })),
    refetchInterval: 15_000,
  });
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => unwrap(api.PATCH('/api/v1/webhooks/endpoints/{id}', { params: { path: { id: endpoint.id } }, body: { enabled } })),
    onSuccess: async () => {
      setNotice(null);
      await invalidate();
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/webhooks/endpoints/{id}', { params: { path: { id: endpoint.id } } })),
    onSuccess: async () => {
      await invalidate();
      navigate('/webhooks', { state: { notice: t('webhooks.endpoints.deleted') } });
    },
  });
  const status = endpoint.enabled ? 'enabled' : 'disabled';
  const h = endpoint.health;
  return (
    <section className="endpoint-page">
      <WebhooksNav />
      <p>
        <Link to="/webhooks">← {t('webhooks.endpoint.back')}</Link>
      </p>
      <div className="page-head">
        <h1 className="endpoint-url">
          {endpoint.url} <StatusBadge status={status} label={t(`webhooks.status.${status}`)} />
        </h1>
        {writable && (
          <div className="toolbar">
            <button type="button" className="outline" onClick={() => setEditing((e) => !e)} aria-expanded={editing}>
              {t('common.actions.edit')}
            </button>
            {endpoint.enabled ? (
              <button type="button" className="secondary" aria-busy={toggle.isPending} disabled={toggle.isPending} onClick={() => toggle.mutate(false)}>
                {t('webhooks.endpoint.disable')}
              </button>
            ) : (
              <button type="button" aria-busy={toggle.isPending} disabled={toggle.isPending} onClick={() => toggle.mutate(true)}>
                {t('webhooks.endpoint.enable')}
              </button>
            )}
            <ConfirmButton onConfirm={() => remove.mutateAsync()}>{t('common.actions.delete')}</ConfirmButton>
          </div>
        )}
      </div>
      {endpoint.description && <p>{endpoint.description}</p>}
      <ReadOnlyNote />
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <ProblemAlert error={toggle.error ?? remove.error} />
      {!endpoint.enabled && (
        <div className="problem disabled-banner" role="status">
          <strong>
            {t('webhooks.endpoint.disabledSince')} <Time value={endpoint.disabled_at} />
          </strong>
          {endpoint.disabled_reason && <p>{endpoint.disabled_reason}</p>}
          <p>
            <small>
              {t('webhooks.endpoint.disabledNote')} {writable && t('webhooks.endpoint.enableHint')}
            </small>
          </p>
        </div>
      )}
      {editing && (
        <article>
          <header>
            <strong>{t('webhooks.form.editTitle')}</strong>
          </header>
          <EndpointForm
            endpoint={endpoint}
            onDone={(saved) => {
              setNotice(saved ? t('webhooks.form.saved') : t('webhooks.form.nothingChanged'));
              setEditing(false);
            }}
          />
          <button type="button" className="outline secondary" onClick={() => setEditing(false)}>
            {t('common.actions.cancel')}
          </button>
        </article>
      )}

      <h2>{t('webhooks.endpoint.health')}</h2>
      <div className="cards" role="group" aria-label={t('webhooks.endpoint.health')}>
        <article>
          <small>{t('webhooks.endpoint.streak')}</small>
          <span className={`figure ${h.failure_count > 0 ? 'warn' : ''}`}>{h.failure_count}</span>
          {h.failing_since && (
            <small>
              {t('webhooks.endpoint.failingSince')} <Time value={h.failing_since} />
            </small>
          )}
        </article>
        <article>
          <small>{t('webhooks.endpoint.lastSuccess')}</small>
          <span className="figure small-figure">
            <Time value={h.last_success_at} />
          </span>
        </article>
        <article>
          <small>{t('webhooks.endpoint.lastFailure')}</small>
          <span className="figure small-figure">
            <Time value={h.last_failure_at} />
          </span>
        </article>
        <article>
          <small>{t('webhooks.endpoint.breaker')}</small>
          <span className="figure small-figure">
            <StatusBadge status={h.breaker.state === 'closed' ? 'active' : h.breaker.state === 'open' ? 'failed' : 'paused'} label={t(`webhooks.endpoint.breakerState.${h.breaker.state}`)} />
          </span>
          {h.breaker.next_probe_at && (
            <small>
              {t('webhooks.endpoint.nextProbe')} <Time value={h.breaker.next_probe_at} />
            </small>
          )}
        </article>
      </div>

      <div className="page-head section-head">
        <h2>{t('webhooks.endpoint.stats')}</h2>
        <RangeSelect value={range} onChange={setRange} />
      </div>
      {stats.isPending ? <Loading /> : stats.isError ? <ErrorState error={stats.error} onRetry={() => void stats.refetch()} /> : <StatsCards stats={stats.data} />}

      <div className="grid-2">
        <article>
          <header>
            <strong>{t('webhooks.endpoint.settings')}</strong>
          </header>
          <dl className="facts">
            <dt>{t('webhooks.endpoint.events')}</dt>
            <dd>
              {endpoint.event_types.length === 0 ? (
                t('webhooks.endpoints.allEvents')
              ) : (
                <span className="filters">
                  {endpoint.event_types.map((f) => (
                    <code key={f}>{f}</code>
                  ))}
                </span>
              )}
            </dd>
            <dt>{t('webhooks.endpoint.headers')}</dt>
            <dd>
              {endpoint.header_names.length === 0 ? (
                t('webhooks.form.noHeaders')
              ) : (
                <ul className="header-list">
                  {endpoint.header_names.map((name) => (
                    <li key={name}>
                      <code>{name}</code>
                      {endpoint.headers !== undefined && (
                        <>
                          : <code>{endpoint.headers[name] ?? t('webhooks.form.headerUnreadable')}</code>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </dd>
            <dt>{t('webhooks.endpoint.timeout')}</dt>
            <dd>{formatDuration(endpoint.timeout_ms, i18n.language)}</dd>
            <dt>{t('webhooks.endpoint.rateLimit')}</dt>
            <dd>{endpoint.rate_limit_per_s === null ? t('webhooks.endpoint.unlimited') : t('webhooks.endpoint.perSecond', { n: endpoint.rate_limit_per_s })}</dd>
            <dt>{t('webhooks.endpoint.created')}</dt>
            <dd>
              <Time value={endpoint.created_at} />
            </dd>
            <dt>{t('webhooks.endpoint.updated')}</dt>
            <dd>
              <Time value={endpoint.updated_at} />
            </dd>
          </dl>
        </article>
        {writable && <RotatePanel endpointId={endpoint.id} />}
      </div>

      {writable && (
        <div className="grid-2">
          <TestPanel endpointId={endpoint.id} />
          <RecoverPanel endpointId={endpoint.id} />
        </div>
      )}
      {!writable && <RecoverPanel endpointId={endpoint.id} readOnly />}

      <EndpointDeliveries endpointId={endpoint.id} />
      <EndpointAttempts endpointId={endpoint.id} />
    </section>
  );
}

/** Rotate the signing secret: the new one is shown once; the old one keeps signing for 24 h. */
function RotatePanel({ endpointId }: { endpointId: number }) {
  const { t } = useTranslation();
  const [rotated, setRotated] = useState<Schemas['RotatedWebhookSecret'] | null>(null);
  const rotate = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/webhooks/endpoints/{id}/secret/rotate', { params: { path: { id: endpointId } }, body: {} })),
    onSuccess: (answer) => setRotated(answer),
  });
  return (
    <article>
      <header>
        <strong>{t('webhooks.secret.title')}</strong>
      </header>
      <p>
        <small>{t('webhooks.secret.rotateHint')}</small>
      </p>
      {rotated ? (
        <SecretReveal secret={rotated.secret} expiresAt={rotated.previous_secrets_expire_at} onDismiss={() => setRotated(null)} />
      ) : (
        <ConfirmButton onConfirm={() => rotate.mutateAsync()} className="secondary">
          {t('webhooks.secret.rotate')}
        </ConfirmButton>
      )}
      <ProblemAlert error={rotate.error} />
    </article>
  );
}

/** Send webhook.test now and show what the endpoint answered. */
function TestPanel({ endpointId }: { endpointId: number }) {
  const { t, i18n } = useTranslation();
  const invalidate = useInvalidateWebhooks();
  const [message, setMessage] = useState(() => t('webhooks.test.defaultMessage'));
  const send = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/webhooks/endpoints/{id}/test', { params: { path: { id: endpointId } }, body: { message } })),
    onSettled: () => invalidate(),
  });
  const result = send.data;
  return (
    <article aria-busy={send.isPending}>
      <header>
        <strong>{t('webhooks.test.title')}</strong>
      </header>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate();
        }}
      >
        <p>
          <small>{t('webhooks.test.hint')}</small>
        </p>
        <label className="field">
          <span>{t('webhooks.test.message')}</span>
          <input value={message} onChange={(e) => setMessage(e.target.value)} maxLength={500} />
        </label>
        <button type="submit" aria-busy={send.isPending} disabled={send.isPending}>
          {send.isPending ? t('webhooks.test.sending') : t('webhooks.test.send')}
        </button>
      </form>
      <ProblemAlert error={send.error} />
      {result && (
        <section className="test-result" aria-label={t('webhooks.test.result')} aria-live="polite">
          <h3>
            {t('webhooks.test.result')}{' '}
            <StatusBadge status={result.delivered ? 'succeeded' : 'failed'} label={result.delivered ? t('webhooks.test.delivered') : t('webhooks.test.notDelivered')} />
          </h3>
          <dl className="facts">
            <dt>{t('webhooks.test.status')}</dt>
            <dd>{result.status_code ?? t('webhooks.attempts.noStatus')}</dd>
            <dt>{t('webhooks.test.duration')}</dt>
            <dd>{formatDuration(result.duration_ms, i18n.language)}</dd>
            {result.error && (
              <>
                <dt>{t('webhooks.test.error')}</dt>
                <dd>{result.error}</dd>
              </>
            )}
          </dl>
          <h4>{t('webhooks.test.body')}</h4>
          <pre className="body" tabIndex={0} data-testid="test-response-body">
            {result.response_body || t('webhooks.test.noBody')}
          </pre>
          <p>
            <Link to={`/webhooks/events/${result.event_id}`}>{t('webhooks.event.title', { id: result.event_id })}</Link>
          </p>
        </section>
      )}
    </article>
  );
}
