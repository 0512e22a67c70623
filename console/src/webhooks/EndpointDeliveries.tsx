import { useMutation } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, unwrap, type Schemas } from '../api';
import { CursorPager, DataTable } from '../components/DataTable';
import { ProblemAlert } from '../components/ProblemAlert';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { usePagedList } from '../lib/use-paged-list';
import { useSession } from '../session';
import { SelectField, useInvalidateWebhooks } from './shared';

type Delivery = Schemas['WebhookDelivery'];
const STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;
type Status = '' | (typeof STATUSES)[number];

/** An endpoint's deliveries in the API's order (oldest first), by status (e.g. the failed ones), each resendable once its run is over. */
export function EndpointDeliveries({ endpointId }: { endpointId: number }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const invalidate = useInvalidateWebhooks();
  const [status, setStatus] = useState<Status>('');
  const [notice, setNotice] = useState<string | null>(null);
  const filters = { endpoint_id: endpointId, ...(status ? { status } : {}) };
  const list = usePagedList<Delivery>(
    '/api/v1/webhooks/deliveries',
    filters,
    (cursor) => unwrap(api.GET('/api/v1/webhooks/deliveries', { params: { query: { limit: 25, ...filters, ...(cursor !== undefined ? { cursor } : {}) } } })),
    { refetchInterval: 10_000 },
  );
  const resend = useMutation({
    mutationFn: (d: Delivery) => unwrap(api.POST('/api/v1/webhooks/deliveries/{id}/resend', { params: { path: { id: d.id } } })),
    onSuccess: async (d) => {
      setNotice(t('webhooks.deliveries.resentEvent', { event: d.event_id }));
      await invalidate();
    },
  });
  const writable = can('operator');
  const columns = useMemo<ColumnDef<Delivery>[]>(
    () => [
      { header: t('webhooks.deliveries.col.event'), id: 'event', cell: ({ row }) => <Link to={`/webhooks/events/${row.original.event_id}`}>#{row.original.event_id}</Link> },
      {
        header: t('webhooks.deliveries.col.status'),
        id: 'status',
        cell: ({ row }) => <StatusBadge status={row.original.status} label={t(`webhooks.status.${row.original.status}`)} />,
      },
      { header: t('webhooks.deliveries.col.attempts'), accessorKey: 'attempts' },
      { header: t('webhooks.deliveries.col.lastStatus'), id: 'last', cell: ({ row }) => row.original.last_status_code ?? '' },
      {
        header: t('webhooks.deliveries.col.lastError'),
        id: 'error',
        cell: ({ row }) => (row.original.last_error ? <span className="clip" title={row.original.last_error}>{row.original.last_error}</span> : ''),
      },
      { header: t('webhooks.deliveries.col.next'), id: 'next', cell: ({ row }) => <Time value={row.original.next_attempt_at} /> },
      { header: t('webhooks.deliveries.col.created'), id: 'created', cell: ({ row }) => <Time value={row.original.created_at} /> },
      ...(writable
        ? [
            {
              header: t('webhooks.deliveries.col.actions'),
              id: 'actions',
              cell: ({ row }: { row: { original: Delivery } }) => (
                <button
                  type="button"
                  className="outline small"
                  aria-label={t('webhooks.deliveries.resendEvent', { event: row.original.event_id })}
                  aria-busy={resend.isPending && resend.variables?.id === row.original.id}
                  disabled={resend.isPending || row.original.status === 'pending'}
                  onClick={() => resend.mutate(row.original)}
                >
                  {t('webhooks.deliveries.resend')}
                </button>
              ),
            } satisfies ColumnDef<Delivery>,
          ]
        : []),
    ],
    [t, writable, resend],
  );
  return (
    <section aria-labelledby="endpoint-deliveries">
      <div className="page-head section-head">
        <h2 id="endpoint-deliveries">{t('webhooks.deliveries.title')}</h2>
        <SelectField label={t('webhooks.deliveries.col.status')} value={status} onChange={(v) => setStatus(v as Status)} className="field range-select">
          <option value="">{t('webhooks.deliveries.anyStatus')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`webhooks.status.${s}`)}
            </option>
          ))}
        </SelectField>
      </div>
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <ProblemAlert error={resend.error} />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{status ? t('webhooks.deliveries.emptyFiltered') : t('webhooks.deliveries.emptyEndpoint')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('webhooks.deliveries.caption')} rowKey={(d) => d.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
