import type { ColumnDef } from '@tanstack/react-table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, unwrap, type Schemas } from '../api';
import { CursorPager, DataTable } from '../components/DataTable';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { usePagedList } from '../lib/use-paged-list';
import { AudienceSummary } from './summaries';
import { durationParts, scheduleLabel } from './recurrence-schedule';

type Item = Schemas['MailingRecurrence'];

/** Recurring mailings: what each sends, to whom, when it repeats, how long each run lasts, paused or not. */
export function RecurrencesPage() {
  const { t } = useTranslation();
  const list = usePagedList<Item>('/api/v1/mailing-recurrences', {}, (cursor) =>
    unwrap(api.GET('/api/v1/mailing-recurrences', { params: { query: { limit: 25, ...(cursor !== undefined ? { cursor } : {}) } } })),
  );
  const columns = useMemo<ColumnDef<Item>[]>(
    () => [
      {
        header: t('recurrences.field.recurrence'),
        id: 'recurrence',
        cell: ({ row }) => (
          <span>
            <strong>#{row.original.id}</strong> <span className="excerpt">{row.original.text}</span>
          </span>
        ),
      },
      {
        header: t('recurrences.field.schedule'),
        id: 'schedule',
        cell: ({ row }) => {
          const label = scheduleLabel(row.original);
          return label.key === 'recurrences.schedule.daily' ? t('recurrences.schedule.daily', label.values) : t('recurrences.schedule.cron', label.values);
        },
      },
      { header: t('mailings.field.audience'), id: 'audience', cell: ({ row }) => <AudienceSummary filter={row.original.filter} /> },
      { header: t('recurrences.field.duration'), id: 'duration', cell: ({ row }) => t('recurrences.duration', durationParts(row.original.occurrence_duration_minutes)) },
      {
        header: t('recurrences.field.state'),
        id: 'state',
        cell: ({ row }) => {
          const state = row.original.paused ? 'paused' : 'active';
          return <StatusBadge status={row.original.paused ? 'paused' : 'running'} label={t(`recurrences.state.${state}`)} />;
        },
      },
      {
        header: t('recurrences.field.period'),
        id: 'period',
        cell: ({ row }) => (
          <span className="period">
            {row.original.starts_at ? <Time value={row.original.starts_at} /> : t('recurrences.open')}
            <small>→ {row.original.ends_at ? <Time value={row.original.ends_at} /> : t('recurrences.forever')}</small>
          </span>
        ),
      },
    ],
    [t],
  );
  return (
    <section>
      <div className="page-head">
        <h1>{t('recurrences.title')}</h1>
        <Link to="/mailings">{t('recurrences.backToMailings')}</Link>
      </div>
      <p className="muted">{t('recurrences.intro')}</p>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{t('recurrences.empty')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('recurrences.title')} rowKey={(item) => item.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
