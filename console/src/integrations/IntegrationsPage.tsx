import './integrations.css';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { api, unwrap } from '../api';
import { CursorPager, DataTable } from '../components/DataTable';
import { ReadOnlyNote } from '../components/Layout';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { usePagedList } from '../lib/use-paged-list';
import { useSession } from '../session';
import { useProviders, type Integration } from './queries';
import { ScheduleSummary } from './ScheduleSummary';
import { SubNav } from './SubNav';

type Filters = { provider?: string; active?: 'true' | 'false' };

/** Integrations with their schedule and last run; a run going refreshes the list until it ends. */
export function IntegrationsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const writable = can('operator');
  const location = useLocation();
  const notice = (location.state as { notice?: string } | null)?.notice;
  const providers = useProviders();
  const [filters, setFilters] = useState<Filters>({});
  const [poll, setPoll] = useState(false);
  const list = usePagedList<Integration>(
    '/api/v1/integrations',
    filters,
    (cursor) => unwrap(api.GET('/api/v1/integrations', { params: { query: { limit: 25, ...filters, ...(cursor !== undefined ? { cursor } : {}) } } })),
    { refetchInterval: poll ? 2_000 : undefined },
  );
  const running = list.data?.items.some((i) => i.last_run?.status === 'running') ?? false;
  if (running !== poll) setPoll(running);
  const providerName = useMemo(() => new Map(providers.data?.items.map((p) => [p.id, p.name]) ?? []), [providers.data]);
  const columns = useMemo<ColumnDef<Integration>[]>(
    () => [
      { header: t('integrations.field.name'), id: 'name', cell: ({ row }) => <Link to={`/integrations/${row.original.id}`}>{row.original.name}</Link> },
      { header: t('integrations.field.provider'), id: 'provider', cell: ({ row }) => providerName.get(row.original.provider) ?? row.original.provider },
      { header: t('integrations.schedule.title'), id: 'schedule', cell: ({ row }) => <ScheduleSummary schedule={row.original.schedule} /> },
      {
        header: t('integrations.field.state'),
        id: 'active',
        cell: ({ row }) => <StatusBadge status={row.original.active ? 'active' : 'paused'} label={row.original.active ? t('integrations.state.active') : t('integrations.state.paused')} />,
      },
      { header: t('integrations.field.priority'), id: 'priority', cell: ({ row }) => t(`integrations.priority.${row.original.priority}`) },
      {
        header: t('integrations.field.lastRun'),
        id: 'last_run',
        cell: ({ row }) => {
          const last = row.original.last_run;
          if (!last?.status) return <span className="note">{t('integrations.runs.never')}</span>;
          return (
            <span className="toolbar">
              <StatusBadge status={last.status} label={t(`integrations.runs.status.${last.status}`)} /> <Time value={last.at} />
            </span>
          );
        },
      },
    ],
    [t, providerName],
  );
  const filtered = Object.values(filters).some(Boolean);
  return (
    <section className="integrations-page">
      <SubNav />
      <div className="page-head">
        <h1>{t('integrations.title')}</h1>
        {writable && (
          <Link role="button" to="/integrations/new">
            {t('integrations.new')}
          </Link>
        )}
      </div>
      <ReadOnlyNote />
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <div className="toolbar" role="group" aria-label={t('integrations.filters.title')}>
        <label className="field">
          <span>{t('integrations.field.provider')}</span>
          <select value={filters.provider ?? ''} onChange={(e) => setFilters((f) => ({ ...f, provider: e.target.value || undefined }))}>
            <option value="">{t('integrations.filters.any')}</option>
            {providers.data?.items.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('integrations.field.state')}</span>
          <select value={filters.active ?? ''} onChange={(e) => setFilters((f) => ({ ...f, active: (e.target.value || undefined) as Filters['active'] }))}>
            <option value="">{t('integrations.filters.any')}</option>
            <option value="true">{t('integrations.state.active')}</option>
            <option value="false">{t('integrations.state.paused')}</option>
          </select>
        </label>
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty
          action={
            writable && !filtered ? (
              <Link role="button" to="/integrations/new">
                {t('integrations.new')}
              </Link>
            ) : undefined
          }
        >
          {filtered ? t('integrations.emptyFiltered') : t('integrations.empty')}
        </Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('integrations.title')} rowKey={(i) => i.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
