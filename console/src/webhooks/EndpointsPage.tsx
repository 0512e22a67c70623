import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { api, key, unwrap, type Schemas } from '../api';
import { CursorPager, DataTable } from '../components/DataTable';
import { ReadOnlyNote } from '../components/Layout';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { usePagedList } from '../lib/use-paged-list';
import { useSession } from '../session';
import { EndpointForm } from './EndpointForm';
import { RangeSelect, SecretReveal, SelectField, StatsCards, WebhooksNav } from './shared';
import { rangeSince, type Range } from './webhook-views';

type Endpoint = Schemas['WebhookEndpoint'];
type Shown = '' | 'true' | 'false';

/** Endpoints: overall figures, the list with status and failure streak, and the create form (secret shown once). */
export function EndpointsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const location = useLocation();
  const [shown, setShown] = useState<Shown>('');
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<{ endpoint: Endpoint; secret: string } | null>(null);
  const [range, setRange] = useState<Range>('day');
  const since = rangeSince(range);
  const filters = shown === '' ? {} : { enabled: shown };
  const list = usePagedList<Endpoint>(
    '/api/v1/webhooks/endpoints',
    filters,
    (cursor) => unwrap(api.GET('/api/v1/webhooks/endpoints', { params: { query: { limit: 25, ...filters, ...(cursor !== undefined ? { cursor } : {}) } } })),
    { refetchInterval: 15_000 },
  );
  const stats = useQuery({
    queryKey: key('/api/v1/webhooks/stats', { since }),
    queryFn: () => unwrap(api.GET('/api/v1/webhooks/stats', { params: { query: since ? { since } : {} } })),
    refetchInterval: 15_000,
  });
  const writable = can('operator');
  const notice = (location.state as { notice?: string } | null)?.notice;
  const columns = useMemo<ColumnDef<Endpoint>[]>(
    () => [
      {
        header: t('webhooks.endpoints.col.url'),
        id: 'url',
        cell: ({ row }) => (
          <span className="endpoint-cell">
            <Link to={`/webhooks/endpoints/${row.original.id}`}>{row.original.url}</Link>
            {row.original.description && <small>{row.original.description}</small>}
          </span>
        ),
      },
      {
        header: t('webhooks.endpoints.col.status'),
        id: 'status',
        cell: ({ row }) => {
          const e = row.original;
          const status = e.enabled ? 'enabled' : 'disabled';
          return (
            <span className="endpoint-cell">
              <StatusBadge status={status} label={t(`webhooks.status.${status}`)} />
              {!e.enabled && e.disabled_reason && <small className="reason">{e.disabled_reason}</small>}
            </span>
          );
        },
      },
      {
        header: t('webhooks.endpoints.col.streak'),
        id: 'streak',
        cell: ({ row }) => {
          const h = row.original.health;
          if (h.failure_count === 0) return <span className="muted">{t('webhooks.endpoints.noStreak')}</span>;
          return (
            <span className="endpoint-cell">
              <strong className="warn">{h.failure_count}</strong>
              {h.failing_since && (
                <small>
                  {t('webhooks.endpoints.since')} <Time value={h.failing_since} />
                </small>
              )}
            </span>
          );
        },
      },
      {
        header: t('webhooks.endpoints.col.events'),
        id: 'events',
        cell: ({ row }) =>
          row.original.event_types.length === 0 ? (
            <span className="muted">{t('webhooks.endpoints.allEvents')}</span>
          ) : (
            <span className="filters">
              {row.original.event_types.slice(0, 3).map((f) => (
                <code key={f}>{f}</code>
              ))}
              {row.original.event_types.length > 3 && <small>+{row.original.event_types.length - 3}</small>}
            </span>
          ),
      },
      { header: t('webhooks.endpoints.col.lastSuccess'), id: 'ok', cell: ({ row }) => <Time value={row.original.health.last_success_at} /> },
      { header: t('webhooks.endpoints.col.lastFailure'), id: 'fail', cell: ({ row }) => <Time value={row.original.health.last_failure_at} /> },
    ],
    [t],
  );
  return (
    <section>
      <WebhooksNav />
      <div className="page-head">
        <h1>{t('webhooks.endpoints.title')}</h1>
        {writable && !creating && (
          <button
            type="button"
            onClick={() => {
              setCreating(true);
              setCreated(null);
            }}
          >
            {t('webhooks.endpoints.new')}
          </button>
        )}
      </div>
      <ReadOnlyNote />
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      {created && (
        <article aria-label={t('webhooks.secret.title')}>
          <header>
            <strong>{t('webhooks.endpoints.created')}</strong> <Link to={`/webhooks/endpoints/${created.endpoint.id}`}>{created.endpoint.url}</Link>
          </header>
          <SecretReveal secret={created.secret} onDismiss={() => setCreated(null)} />
        </article>
      )}
      {creating && (
        <article>
          <header>
            <strong>{t('webhooks.form.newTitle')}</strong>
          </header>
          <EndpointForm
            onDone={(saved) => {
              if (saved?.secret) setCreated({ endpoint: saved.endpoint, secret: saved.secret });
              setCreating(false);
            }}
          />
          <button type="button" className="outline secondary" onClick={() => setCreating(false)}>
            {t('common.actions.cancel')}
          </button>
        </article>
      )}

      <div className="page-head section-head">
        <h2>{t('webhooks.stats.title')}</h2>
        <RangeSelect value={range} onChange={setRange} />
      </div>
      {stats.isPending ? <Loading /> : stats.isError ? <ErrorState error={stats.error} onRetry={() => void stats.refetch()} /> : <StatsCards stats={stats.data} />}

      <h2>{t('webhooks.nav.endpoints')}</h2>
      <div className="toolbar">
        <SelectField label={t('webhooks.endpoints.filter')} value={shown} onChange={(v) => setShown(v as Shown)} className="field narrow">
          <option value="">{t('webhooks.endpoints.filterAll')}</option>
          <option value="true">{t('webhooks.endpoints.filterEnabled')}</option>
          <option value="false">{t('webhooks.endpoints.filterDisabled')}</option>
        </SelectField>
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{shown ? t('webhooks.endpoints.emptyFiltered') : t('webhooks.endpoints.empty')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('webhooks.endpoints.caption')} rowKey={(e) => e.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
