import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router-dom';
import { api, key, unwrap, type Schemas } from '../api';
import { CursorPager, DataTable } from '../components/DataTable';
import { ReadOnlyNote } from '../components/Layout';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatNumber, formatShare } from '../lib/format';
import { usePagedList } from '../lib/use-paged-list';
import { useSession } from '../session';
import { AudienceSummary, WindowSummary } from './summaries';
import { isFinished, MAILING_STATUSES, progressShare, type MailingStatus } from './progress';

type Item = Schemas['MailingOverviewItem'];

const isStatus = (value: string | null): value is MailingStatus => (MAILING_STATUSES as readonly string[]).includes(value ?? '');

/** Mailings by status: a tab per status with its count, each mailing with its progress; a link to create one. */
export function MailingsPage() {
  const { t, i18n } = useTranslation();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const status = isStatus(params.get('status')) ? (params.get('status') as MailingStatus) : undefined;
  const byStatus = useQuery({
    queryKey: key('/api/v1/stats/mailings/by-status'),
    queryFn: () => unwrap(api.GET('/api/v1/stats/mailings/by-status')),
    refetchInterval: 10_000,
  });
  const counts = byStatus.data?.counts;
  const active = counts !== undefined && counts.running + counts.scheduled > 0;
  const filters = status ? { status } : {};
  const list = usePagedList<Item>(
    '/api/v1/stats/mailings',
    filters,
    (cursor) => unwrap(api.GET('/api/v1/stats/mailings', { params: { query: { limit: 25, ...filters, ...(cursor !== undefined ? { cursor } : {}) } } })),
    // Mailings that run move on by themselves: read the page again while any of them does.
    { refetchInterval: active ? 5_000 : undefined },
  );
  const columns = useMemo<ColumnDef<Item>[]>(
    () => [
      {
        header: t('mailings.field.mailing'),
        id: 'mailing',
        cell: ({ row }) => (
          <Link to={`/mailings/${row.original.mailing.id}`} className="mailing-link">
            <strong>#{row.original.mailing.id}</strong> <span className="excerpt">{row.original.mailing.text}</span>
          </Link>
        ),
      },
      {
        header: t('mailings.field.status'),
        id: 'status',
        cell: ({ row }) => <StatusBadge status={row.original.mailing.status} label={t(`mailings.status.${row.original.mailing.status as MailingStatus}`)} />,
      },
      {
        header: t('mailings.field.progress'),
        id: 'progress',
        cell: ({ row }) => {
          const { done, share } = progressShare(row.original.counts, row.original.total);
          if (row.original.total === 0) return <span className="muted">{isFinished(row.original.mailing.status) ? t('mailings.list.noMessages') : t('mailings.list.notYet')}</span>;
          return (
            <span className="list-progress">
              <progress value={done} max={row.original.total} aria-label={t('mailings.progress.share', { share: formatShare(share, i18n.language) })} />
              <small>
                {t('mailings.list.sentOf', { sent: formatNumber(row.original.counts.sent, i18n.language), total: formatNumber(row.original.total, i18n.language) })}
                {row.original.counts.failed + row.original.counts.unknown > 0 && (
                  <> · {t('mailings.list.problems', { count: row.original.counts.failed + row.original.counts.unknown })}</>
                )}
              </small>
            </span>
          );
        },
      },
      { header: t('mailings.field.audience'), id: 'audience', cell: ({ row }) => <AudienceSummary filter={row.original.mailing.filter} /> },
      { header: t('mailings.field.sendWindow'), id: 'window', cell: ({ row }) => <WindowSummary window={row.original.mailing.send_window} /> },
      {
        header: t('mailings.field.period'),
        id: 'period',
        cell: ({ row }) => (
          <span className="period">
            <Time value={row.original.mailing.starts_at} />
            <small>
              → <Time value={row.original.mailing.ends_at} />
            </small>
          </span>
        ),
      },
    ],
    [t, i18n.language],
  );
  const select = (next: MailingStatus | undefined) => setParams(next ? { status: next } : {});
  return (
    <section>
      <div className="page-head">
        <h1>{t('mailings.title')}</h1>
        <Link to="/mailings/recurrences">{t('recurrences.link')}</Link>
        {can('operator') && (
          <Link to="/mailings/new" role="button">
            {t('mailings.new')}
          </Link>
        )}
      </div>
      <ReadOnlyNote />
      <nav className="status-tabs" aria-label={t('mailings.list.byStatus')}>
        <ul>
          <li>
            <button type="button" className={status ? 'outline secondary' : undefined} aria-pressed={!status} onClick={() => select(undefined)}>
              {t('mailings.list.all')} {byStatus.data && <span className="tab-count">{formatNumber(byStatus.data.total, i18n.language)}</span>}
            </button>
          </li>
          {MAILING_STATUSES.map((s) => (
            <li key={s}>
              <button type="button" className={status === s ? undefined : 'outline secondary'} aria-pressed={status === s} onClick={() => select(s)}>
                {t(`mailings.status.${s}`)} {counts && <span className="tab-count">{formatNumber(counts[s], i18n.language)}</span>}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty
          action={
            can('operator') && !status ? (
              <Link to="/mailings/new" role="button">
                {t('mailings.new')}
              </Link>
            ) : undefined
          }
        >
          {status ? t('mailings.list.emptyStatus', { status: t(`mailings.status.${status}`) }) : can('operator') ? t('mailings.list.empty') : t('mailings.list.emptyViewer')}
        </Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('mailings.title')} rowKey={(item) => item.mailing.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
