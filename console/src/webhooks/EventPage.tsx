import { useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api, key, RelayProblem, unwrap, type Schemas } from '../api';
import { CopyButton } from '../components/CopyButton';
import { DataTable } from '../components/DataTable';
import { ProblemAlert } from '../components/ProblemAlert';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { useSession } from '../session';
import { AttemptTable } from './AttemptTable';
import { useEndpointUrls, useInvalidateWebhooks, WebhooksNav } from './shared';
import { attemptsByDelivery, prettyJson } from './webhook-views';

type Event = Schemas['WebhookEventWithDeliveries'];
type Delivery = Schemas['WebhookDelivery'];

/** One event: its payload, its deliveries (status, attempts, next attempt; resend) and each delivery's attempts. */
export function EventPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const query = useQuery({
    queryKey: key('/api/v1/webhooks/events/{id}', { id }),
    queryFn: () => unwrap(api.GET('/api/v1/webhooks/events/{id}', { params: { path: { id } } })),
    // While a delivery is under way its status and attempts change: follow them closely.
    refetchInterval: (q) => (q.state.data?.deliveries.some((d) => d.status === 'pending') ? 2_000 : 15_000),
  });
  if (query.isPending) return <Loading />;
  if (query.isError) {
    const missing = query.error instanceof RelayProblem && (query.error.status === 404 || query.error.status === 400);
    return (
      <section>
        <WebhooksNav />
        <p>
          <Link to="/webhooks/events">← {t('webhooks.event.back')}</Link>
        </p>
        {missing ? <p className="empty">{t('webhooks.event.notFound')}</p> : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </section>
    );
  }
  return <EventView event={query.data} />;
}

function EventView({ event }: { event: Event }) {
  const { t } = useTranslation();
  const { can } = useSession();
  const invalidate = useInvalidateWebhooks();
  const urls = useEndpointUrls();
  const [notice, setNotice] = useState<string | null>(null);
  const pending = event.deliveries.some((d) => d.status === 'pending');
  const attempts = useInfiniteQuery({
    queryKey: key('/api/v1/webhooks/events/{id}/attempts', { id: event.id }),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/webhooks/events/{id}/attempts', {
          params: { path: { id: event.id }, query: { limit: 500, ...(pageParam !== undefined ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: pending ? 2_000 : 15_000,
  });
  // A delivery's attempt count or status changed (the event is polled): its attempts are read again at once.
  const progress = event.deliveries.map((d) => `${d.id}:${d.attempts}:${d.status}`).join(',');
  const refetchAttempts = useRef(attempts.refetch);
  refetchAttempts.current = attempts.refetch;
  const firstProgress = useRef(progress);
  useEffect(() => {
    if (progress !== firstProgress.current) void refetchAttempts.current();
  }, [progress]);
  const byDelivery = useMemo(() => attemptsByDelivery((attempts.data?.pages ?? []).flatMap((p) => p.items)), [attempts.data]);
  const endpointName = (id: number) => urls.get(id) ?? t('webhooks.deliveries.deletedEndpoint', { id });
  const resend = useMutation({
    mutationFn: (d: Delivery) => unwrap(api.POST('/api/v1/webhooks/deliveries/{id}/resend', { params: { path: { id: d.id } } })),
    onSuccess: async (_, d) => {
      setNotice(t('webhooks.deliveries.resent', { endpoint: endpointName(d.endpoint_id) }));
      await invalidate();
    },
  });
  const writable = can('operator');
  const columns = useMemo<ColumnDef<Delivery>[]>(
    () => [
      {
        header: t('webhooks.deliveries.col.endpoint'),
        id: 'endpoint',
        cell: ({ row }) =>
          urls.has(row.original.endpoint_id) ? (
            <Link to={`/webhooks/endpoints/${row.original.endpoint_id}`}>{urls.get(row.original.endpoint_id)}</Link>
          ) : (
            `#${row.original.endpoint_id}`
          ),
      },
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
      { header: t('webhooks.deliveries.col.delivered'), id: 'delivered', cell: ({ row }) => <Time value={row.original.delivered_at} /> },
      ...(writable
        ? [
            {
              header: t('webhooks.deliveries.col.actions'),
              id: 'actions',
              cell: ({ row }: { row: { original: Delivery } }) => (
                <button
                  type="button"
                  className="outline small"
                  aria-busy={resend.isPending && resend.variables?.id === row.original.id}
                  // A pending delivery is still being attempted: the API would refuse (409) until its run ends.
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
    [t, urls, writable, resend],
  );
  return (
    <section>
      <WebhooksNav />
      <p>
        <Link to="/webhooks/events">← {t('webhooks.event.back')}</Link>
      </p>
      <div className="page-head">
        <h1>
          {t('webhooks.event.title', { id: event.id })} <code>{event.type}</code>
        </h1>
      </div>
      <dl className="facts">
        <dt>{t('webhooks.event.webhookId')}</dt>
        <dd>
          <code>{event.webhook_id}</code> <CopyButton text={event.webhook_id} />
        </dd>
        <dt>{t('webhooks.event.source')}</dt>
        <dd>{t(`webhooks.source.${event.source}`)}</dd>
        <dt>{t('webhooks.event.created')}</dt>
        <dd>
          <Time value={event.created_at} />
        </dd>
        {event.idempotency_key && (
          <>
            <dt>{t('webhooks.event.idempotencyKey')}</dt>
            <dd>
              <code>{event.idempotency_key}</code>
            </dd>
          </>
        )}
      </dl>
      <details open>
        <summary>{t('webhooks.event.payload')}</summary>
        {event.payload_deleted_at ? (
          <p className="note">
            {t('webhooks.event.payloadDeleted')} <Time value={event.payload_deleted_at} />
          </p>
        ) : (
          <pre className="body" tabIndex={0}>
            {prettyJson(event.payload)}
          </pre>
        )}
      </details>

      <h2>{t('webhooks.deliveries.title')}</h2>
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <ProblemAlert error={resend.error} />
      {event.deliveries.length === 0 ? (
        <Empty>{t('webhooks.deliveries.empty')}</Empty>
      ) : (
        <DataTable rows={event.deliveries} columns={columns} caption={t('webhooks.deliveries.caption')} rowKey={(d) => d.id} />
      )}

      {event.deliveries.length > 0 && <h2>{t('webhooks.attempts.title')}</h2>}
      {attempts.isError ? (
        <ErrorState error={attempts.error} onRetry={() => void attempts.refetch()} />
      ) : attempts.isPending ? (
        event.deliveries.length > 0 && <Loading />
      ) : (
        event.deliveries.map((d) => {
          const list = byDelivery.get(d.id) ?? [];
          const label = t('webhooks.deliveries.attemptsOf', { endpoint: endpointName(d.endpoint_id) });
          return (
            <section key={d.id} className="delivery-attempts" aria-label={label}>
              <h3>
                {label} <StatusBadge status={d.status} label={t(`webhooks.status.${d.status}`)} />
              </h3>
              {list.length === 0 ? <p className="note">{t('webhooks.deliveries.noAttempts')}</p> : <AttemptTable attempts={list} caption={t('webhooks.attempts.caption')} show="none" />}
            </section>
          );
        })
      )}
      {attempts.hasNextPage && (
        <button type="button" className="outline" aria-busy={attempts.isFetchingNextPage} onClick={() => void attempts.fetchNextPage()}>
          {t('webhooks.deliveries.olderAttempts')}
        </button>
      )}
    </section>
  );
}
