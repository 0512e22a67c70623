import type { ColumnDef } from '@tanstack/react-table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../api';
import { CursorPager, DataTable } from '../components/DataTable';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatNumber } from '../lib/format';
import { usePagedList } from '../lib/use-paged-list';
import { MESSAGE_STATUSES, type MessageStatus, type StatusCounts } from './progress';

type Message = Schemas['Message'];

/** The mailing's messages, filterable by status, a page at a time (the API's cursor). */
export function MessagesTable({ id, status, onStatus, counts }: { id: number; status: MessageStatus | undefined; onStatus: (s: MessageStatus | undefined) => void; counts?: StatusCounts }) {
  const { t, i18n } = useTranslation();
  const filters = { id, ...(status ? { status } : {}) };
  const list = usePagedList<Message>('/api/v1/mailings/{id}/stats', filters, async (cursor) => {
    const stats = await unwrap(
      api.GET('/api/v1/mailings/{id}/stats', { params: { path: { id }, query: { limit: 25, ...(status ? { status } : {}), ...(cursor !== undefined ? { cursor } : {}) } } }),
    );
    return stats.messages;
  });
  const columns = useMemo<ColumnDef<Message>[]>(
    () => [
      { header: t('mailings.messages.id'), accessorKey: 'id' },
      { header: t('mailings.messages.phone'), accessorKey: 'phone' },
      {
        header: t('mailings.messages.status'),
        id: 'status',
        cell: ({ row }) => (
          <span title={t(`mailings.messageStatus.${row.original.status as MessageStatus}.explain`)}>
            <StatusBadge status={row.original.status} label={t(`mailings.messageStatus.${row.original.status as MessageStatus}.label`)} />
          </span>
        ),
      },
      { header: t('mailings.messages.attempts'), accessorKey: 'attempts' },
      { header: t('mailings.messages.sentAt'), id: 'sent', cell: ({ row }) => <Time value={row.original.sent_at} /> },
      { header: t('mailings.messages.lastError'), id: 'error', cell: ({ row }) => (row.original.last_error ? <span className="last-error">{row.original.last_error}</span> : '') },
      { header: t('mailings.messages.createdAt'), id: 'created', cell: ({ row }) => <Time value={row.original.created_at} /> },
    ],
    [t],
  );
  return (
    <article aria-labelledby="messages-title" id="messages">
      <header className="progress-head">
        <h2 id="messages-title">{t('mailings.messages.title')}</h2>
        <label className="inline-select">
          <span>{t('mailings.messages.filter')}</span>
          <select value={status ?? ''} onChange={(e) => onStatus((e.target.value || undefined) as MessageStatus | undefined)}>
            <option value="">{t('mailings.messages.allStatuses')}</option>
            {MESSAGE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`mailings.messageStatus.${s}.label`)}
                {counts ? ` (${formatNumber(counts[s], i18n.language)})` : ''}
              </option>
            ))}
          </select>
        </label>
      </header>
      {status && <p className="note">{t(`mailings.messageStatus.${status}.explain`)}</p>}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{status ? t('mailings.messages.emptyStatus') : t('mailings.messages.empty')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('mailings.messages.title')} rowKey={(m) => m.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </article>
  );
}
