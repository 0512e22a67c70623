import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Schemas } from '../api';
import { DataTable } from '../components/DataTable';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatDuration } from '../lib/format';
import { bodyPreview } from './webhook-views';

type Attempt = Schemas['WebhookAttempt'];

/**
 * Attempts as a table (time, event or endpoint, number, trigger, outcome, HTTP status, duration, the start of the
 * response) and, under it, the one picked with "Show": its error and whole response body.
 */
export function AttemptTable({
  attempts,
  caption,
  show,
  endpointUrls,
}: {
  attempts: Attempt[];
  caption: string;
  /** Which column names the attempt's other side: the event (an endpoint's log) or the endpoint (an event's). */
  show: 'event' | 'endpoint' | 'none';
  endpointUrls?: Map<number, string>;
}) {
  const { t, i18n } = useTranslation();
  const [openId, setOpenId] = useState<number | null>(null);
  const open = attempts.find((a) => a.id === openId) ?? null;
  const columns = useMemo<ColumnDef<Attempt>[]>(
    () => [
      { header: t('webhooks.attempts.col.time'), id: 'time', cell: ({ row }) => <Time value={row.original.started_at} /> },
      ...(show === 'event'
        ? [
            {
              header: t('webhooks.attempts.col.event'),
              id: 'event',
              cell: ({ row }: { row: { original: Attempt } }) => (
                <Link to={`/webhooks/events/${row.original.event_id}`}>
                  #{row.original.event_id} {row.original.event_type}
                </Link>
              ),
            } satisfies ColumnDef<Attempt>,
          ]
        : show === 'endpoint'
          ? [
              {
                header: t('webhooks.attempts.col.endpoint'),
                id: 'endpoint',
                cell: ({ row }: { row: { original: Attempt } }) => (
                  <Link to={`/webhooks/endpoints/${row.original.endpoint_id}`}>{endpointUrls?.get(row.original.endpoint_id) ?? `#${row.original.endpoint_id}`}</Link>
                ),
              } satisfies ColumnDef<Attempt>,
            ]
          : []),
      { header: t('webhooks.attempts.col.attempt'), accessorKey: 'attempt' },
      { header: t('webhooks.attempts.col.trigger'), id: 'trigger', cell: ({ row }) => t(`webhooks.trigger.${row.original.trigger}`) },
      {
        header: t('webhooks.attempts.col.outcome'),
        id: 'outcome',
        cell: ({ row }) => <StatusBadge status={row.original.outcome} label={t(`webhooks.status.${row.original.outcome}`)} />,
      },
      { header: t('webhooks.attempts.col.status'), id: 'status', cell: ({ row }) => row.original.status_code ?? t('webhooks.attempts.noStatus') },
      { header: t('webhooks.attempts.col.duration'), id: 'duration', cell: ({ row }) => formatDuration(row.original.duration_ms, i18n.language) },
      {
        header: t('webhooks.attempts.col.response'),
        id: 'response',
        cell: ({ row }) => {
          const a = row.original;
          const preview = bodyPreview(a.response_body ?? a.error, 28);
          return (
            <span className="attempt-response">
              <code title={preview}>{preview}</code>
              <button
                type="button"
                className="outline small"
                aria-expanded={openId === a.id}
                aria-label={t('webhooks.attempts.viewLabel', { n: a.attempt })}
                onClick={() => setOpenId(openId === a.id ? null : a.id)}
              >
                {openId === a.id ? t('webhooks.attempts.close') : t('webhooks.attempts.view')}
              </button>
            </span>
          );
        },
      },
    ],
    [t, i18n.language, show, endpointUrls, openId],
  );
  return (
    <>
      <DataTable rows={attempts} columns={columns} caption={caption} rowKey={(a) => a.id} />
      {open && <AttemptDetail attempt={open} onClose={() => setOpenId(null)} />}
    </>
  );
}

/** One attempt in full: what happened and the response body as received (first 20 KB). */
export function AttemptDetail({ attempt, onClose }: { attempt: Attempt; onClose?: () => void }) {
  const { t, i18n } = useTranslation();
  return (
    <article className="attempt-detail" aria-label={t('webhooks.attempts.detail', { n: attempt.attempt, event: attempt.event_id, type: attempt.event_type })}>
      <header>
        <strong>{t('webhooks.attempts.detail', { n: attempt.attempt, event: attempt.event_id, type: attempt.event_type })}</strong>{' '}
        <StatusBadge status={attempt.outcome} label={t(`webhooks.status.${attempt.outcome}`)} />
      </header>
      <dl className="facts">
        <dt>{t('webhooks.attempts.col.time')}</dt>
        <dd>
          <Time value={attempt.started_at} />
        </dd>
        <dt>{t('webhooks.test.status')}</dt>
        <dd>{attempt.status_code ?? t('webhooks.attempts.noStatus')}</dd>
        <dt>{t('webhooks.test.duration')}</dt>
        <dd>{formatDuration(attempt.duration_ms, i18n.language)}</dd>
        <dt>{t('webhooks.attempts.col.trigger')}</dt>
        <dd>{t(`webhooks.trigger.${attempt.trigger}`)}</dd>
        {attempt.error && (
          <>
            <dt>{t('webhooks.test.error')}</dt>
            <dd>{attempt.error}</dd>
          </>
        )}
      </dl>
      <h4>{t('webhooks.test.body')}</h4>
      <pre className="body" tabIndex={0}>
        {attempt.response_body || t('webhooks.test.noBody')}
      </pre>
      {onClose && (
        <button type="button" className="outline secondary small" onClick={onClose}>
          {t('webhooks.attempts.close')}
        </button>
      )}
    </article>
  );
}
