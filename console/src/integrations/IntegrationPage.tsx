import './integrations.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api, key, unwrap } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { CursorPager, DataTable } from '../components/DataTable';
import { ReadOnlyNote } from '../components/Layout';
import { ProblemAlert } from '../components/ProblemAlert';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatDuration, formatNumber } from '../lib/format';
import { usePagedList } from '../lib/use-paged-list';
import { useSession } from '../session';
import { idParam, invalidateIntegrations, useAllCredentials, useProviders, type Integration, type Run } from './queries';
import { ScheduleSummary } from './ScheduleSummary';
import { SubNav } from './SubNav';

const POLL_MS = 1_500;
const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

/** One integration: its schedule with Temporal's next runs, settings, config, sync controls and run history. */
export function IntegrationPage() {
  const { t } = useTranslation();
  const id = idParam(useParams().id);
  const integration = useQuery({
    queryKey: key('/api/v1/integrations/{id}', { id }),
    queryFn: () => unwrap(api.GET('/api/v1/integrations/{id}', { params: { path: { id: id ?? 0 } } })),
    enabled: id !== null,
    refetchInterval: (q) => (q.state.data?.last_run?.status === 'running' ? POLL_MS : false),
  });
  let body;
  if (id === null) body = <ErrorState error={new Error(t('common.states.notFound'))} />;
  else if (integration.isPending) body = <Loading />;
  else if (integration.isError) body = <ErrorState error={integration.error} onRetry={() => void integration.refetch()} />;
  else body = <IntegrationView integration={integration.data} />;
  return (
    <section className="integrations-page">
      <SubNav />
      {body}
    </section>
  );
}

function IntegrationView({ integration }: { integration: Integration }) {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const writable = can('operator');
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const providers = useProviders();
  const credentials = useAllCredentials();
  const provider = providers.data?.items.find((p) => p.id === integration.provider);
  const credential = credentials.data?.find((c) => c.id === integration.credential_id);
  const id = integration.id;

  const sync = useMutation({
    mutationFn: (fullResync: boolean) =>
      unwrap(fullResync ? api.POST('/api/v1/integrations/{id}/resync', { params: { path: { id } } }) : api.POST('/api/v1/integrations/{id}/sync', { params: { path: { id } }, body: { full_resync: false } })),
    onMutate: () => setNotice(null),
    onSuccess: async (started) => {
      setNotice(t(started.run.full_resync ? 'integrations.sync.resyncStarted' : 'integrations.sync.started', { id: started.run.id }));
      await invalidateIntegrations(queryClient);
    },
  });
  const patch = useMutation({
    mutationFn: (body: { active?: boolean; priority?: 'normal' | 'high' }) => unwrap(api.PATCH('/api/v1/integrations/{id}', { params: { path: { id } }, body })),
    onMutate: () => setNotice(null),
    onSuccess: async (saved, body) => {
      setNotice(body.active === undefined ? t('integrations.saved') : saved.active ? t('integrations.resumed') : t('integrations.pausedNotice'));
      await invalidateIntegrations(queryClient);
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/integrations/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await invalidateIntegrations(queryClient);
      navigate('/integrations', { state: { notice: t('integrations.deleted', { name: integration.name }) } });
    },
  });

  const running = integration.last_run?.status === 'running';
  const schedule = integration.temporal_schedule;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{integration.name}</h1>
          <p className="subtitle">
            {provider?.name ?? integration.provider} ·{' '}
            <StatusBadge status={integration.active ? 'active' : 'paused'} label={integration.active ? t('integrations.state.active') : t('integrations.state.paused')} />
          </p>
        </div>
        {writable && (
          <div className="toolbar actions">
            <button type="button" onClick={() => sync.mutate(false)} aria-busy={sync.isPending && sync.variables === false} disabled={sync.isPending}>
              {t('integrations.sync.now')}
            </button>
            <ConfirmButton className="secondary outline" onConfirm={() => sync.mutateAsync(true).catch(() => undefined)} disabled={sync.isPending}>
              {t('integrations.sync.full')}
            </ConfirmButton>
            <Link role="button" className="outline" to={`/integrations/${id}/edit`}>
              {t('common.actions.edit')}
            </Link>
            <ConfirmButton className="secondary" onConfirm={() => remove.mutateAsync().catch(() => undefined)}>
              {t('common.actions.delete')}
            </ConfirmButton>
          </div>
        )}
      </div>
      <ReadOnlyNote />
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <ProblemAlert error={sync.error ?? patch.error ?? remove.error} />
      <div className="grid-2">
        <article>
          <header>
            <strong>{t('integrations.schedule.title')}</strong>
          </header>
          <p>
            <ScheduleSummary schedule={integration.schedule} />
          </p>
          {schedule === null || schedule === undefined ? (
            <p className="note">{t('integrations.schedule.missing')}</p>
          ) : (
            <>
              {schedule.paused && <p className="note">{t('integrations.schedule.paused')}</p>}
              <small>{t('integrations.schedule.nextRuns')}</small>
              {schedule.next_runs.length === 0 ? (
                <p className="note">{t('integrations.schedule.noNextRuns')}</p>
              ) : (
                <ol className="next-runs">
                  {schedule.next_runs.map((at) => (
                    <li key={at}>
                      <Time value={at} />
                    </li>
                  ))}
                </ol>
              )}
              <small className="note">{t('integrations.schedule.temporalId', { id: schedule.id })}</small>
            </>
          )}
        </article>
        <article>
          <header>
            <strong>{t('integrations.settings')}</strong>
          </header>
          {writable ? (
            <>
              <label className="switch-field">
                <input
                  type="checkbox"
                  role="switch"
                  checked={integration.active}
                  disabled={patch.isPending}
                  aria-busy={patch.isPending && patch.variables?.active !== undefined}
                  onChange={(e) => patch.mutate({ active: e.target.checked })}
                />
                {t('integrations.activeLabel')}
              </label>
              <label className="field">
                <span>{t('integrations.field.priority')}</span>
                <select value={integration.priority} disabled={patch.isPending} onChange={(e) => patch.mutate({ priority: e.target.value as 'normal' | 'high' })}>
                  <option value="normal">{t('integrations.priority.normal')}</option>
                  <option value="high">{t('integrations.priority.high')}</option>
                </select>
              </label>
            </>
          ) : null}
          <dl className="facts">
            {!writable && (
              <>
                <dt>{t('integrations.field.state')}</dt>
                <dd>{integration.active ? t('integrations.state.active') : t('integrations.state.paused')}</dd>
                <dt>{t('integrations.field.priority')}</dt>
                <dd>{t(`integrations.priority.${integration.priority}`)}</dd>
              </>
            )}
            <dt>{t('integrations.field.credential')}</dt>
            <dd>
              {integration.credential_id === null ? (
                t('integrations.noCredential')
              ) : (
                <Link to={`/integrations/credentials/${integration.credential_id}`}>{credential?.name ?? t('integrations.credentialN', { id: integration.credential_id })}</Link>
              )}
            </dd>
            <dt>{t('integrations.field.cursor')}</dt>
            <dd>
              {integration.cursor === null ? t('integrations.cursorNone') : <code className="secret">{integration.cursor}</code>}
              {integration.cursor_updated_at && (
                <>
                  {' '}
                  (<Time value={integration.cursor_updated_at} />)
                </>
              )}
            </dd>
            <dt>{t('integrations.field.updated')}</dt>
            <dd>
              <Time value={integration.updated_at} />
            </dd>
          </dl>
        </article>
      </div>
      <details className="config">
        <summary>{t('integrations.config')}</summary>
        <pre className="body">{JSON.stringify(integration.config, null, 2)}</pre>
      </details>
      <div className="page-head">
        <h2>{t('integrations.runs.title')}</h2>
        <Link to={`/integrations/${id}/records`}>{t('integrations.records.open')}</Link>
      </div>
      <RunHistory integrationId={id} integrationRunning={running} writable={writable} locale={i18n.language} />
    </>
  );
}

function RunHistory({ integrationId, integrationRunning, writable, locale }: { integrationId: number; integrationRunning: boolean; writable: boolean; locale: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<(typeof RUN_STATUSES)[number] | ''>('');
  const [poll, setPoll] = useState(false);
  const filters = status ? { status } : {};
  const list = usePagedList<Run>(
    `/api/v1/integrations/{id}/runs`,
    { id: integrationId, ...filters },
    (cursor) =>
      unwrap(api.GET('/api/v1/integrations/{id}/runs', { params: { path: { id: integrationId }, query: { limit: 20, ...filters, ...(cursor !== undefined ? { cursor } : {}) } } })),
    { refetchInterval: poll ? POLL_MS : undefined },
  );
  const anyRunning = integrationRunning || (list.data?.items.some((r) => r.status === 'running') ?? false);
  if (anyRunning !== poll) setPoll(anyRunning);
  const cancel = useMutation({
    mutationFn: (runId: number) => unwrap(api.POST('/api/v1/integrations/{id}/runs/{run_id}/cancel', { params: { path: { id: integrationId, run_id: runId } } })),
    onSuccess: () => invalidateIntegrations(queryClient),
  });
  const columns = useMemo<ColumnDef<Run>[]>(
    () => [
      { header: t('integrations.runs.id'), accessorKey: 'id' },
      { header: t('integrations.runs.trigger'), id: 'trigger', cell: ({ row }) => `${t(`integrations.runs.triggers.${row.original.trigger}`)}${row.original.full_resync ? ` · ${t('integrations.runs.fullResync')}` : ''}` },
      { header: t('integrations.runs.status.title'), id: 'status', cell: ({ row }) => <StatusBadge status={row.original.status} label={t(`integrations.runs.status.${row.original.status}`)} /> },
      { header: t('integrations.runs.started'), id: 'started', cell: ({ row }) => <Time value={row.original.started_at} /> },
      { header: t('integrations.runs.finished'), id: 'finished', cell: ({ row }) => (row.original.finished_at ? <Time value={row.original.finished_at} /> : '—') },
      {
        header: t('integrations.runs.duration'),
        id: 'duration',
        cell: ({ row }) => (row.original.finished_at ? formatDuration(Date.parse(row.original.finished_at) - Date.parse(row.original.started_at), locale) : '—'),
      },
      ...(['pages', 'fetched', 'inserted', 'updated'] as const).map(
        (name): ColumnDef<Run> => ({ header: t(`integrations.runs.${name}`), id: name, cell: ({ row }) => <span className="num">{formatNumber(row.original[name], locale)}</span> }),
      ),
      { header: t('integrations.runs.error'), id: 'error', cell: ({ row }) => (row.original.error ? <span className="run-error">{row.original.error}</span> : '') },
      ...(writable && anyRunning
        ? [
            {
              header: t('integrations.field.actions'),
              id: 'actions',
              cell: ({ row }: { row: { original: Run } }) =>
                row.original.status === 'running' ? (
                  <ConfirmButton onConfirm={() => cancel.mutateAsync(row.original.id).catch(() => undefined)}>{t('integrations.runs.cancel')}</ConfirmButton>
                ) : null,
            } satisfies ColumnDef<Run>,
          ]
        : []),
    ],
    [t, locale, writable, anyRunning, cancel],
  );
  return (
    <div>
      <div className="toolbar">
        <label className="field">
          <span>{t('integrations.runs.status.title')}</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
            <option value="">{t('integrations.filters.any')}</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`integrations.runs.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        {anyRunning && (
          <p role="status" className="note" aria-busy="true">
            {t('integrations.runs.live')}
          </p>
        )}
      </div>
      <ProblemAlert error={cancel.error} />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{status ? t('integrations.runs.emptyFiltered') : writable ? t('integrations.runs.empty') : t('integrations.runs.emptyViewer')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('integrations.runs.title')} rowKey={(r) => r.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </div>
  );
}
