import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, unwrap, type Schemas } from '../api';
import { CursorPager, DataTable } from '../components/DataTable';
import { Empty, ErrorState, Loading } from '../components/States';
import { Time } from '../components/Time';
import { localInputToIso } from '../lib/format';
import { usePagedList } from '../lib/use-paged-list';
import { SelectField, useEventTypes, WebhooksNav } from './shared';

type Event = Schemas['WebhookEvent'];
type Filters = { type: string; since: string };
const NO_FILTERS: Filters = { type: '', since: '' };

/** Events, newest first: filter by type and creation time; each opens its deliveries and attempts. */
export function EventsPage() {
  const { t } = useTranslation();
  const catalogue = useEventTypes();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const since = filters.since ? localInputToIso(filters.since) : null;
  const query = { ...(filters.type ? { type: filters.type } : {}), ...(since ? { since } : {}) };
  const list = usePagedList<Event>(
    '/api/v1/webhooks/events',
    query,
    (cursor) => unwrap(api.GET('/api/v1/webhooks/events', { params: { query: { limit: 25, ...query, ...(cursor !== undefined ? { cursor } : {}) } } })),
    { refetchInterval: 10_000 },
  );
  const columns = useMemo<ColumnDef<Event>[]>(
    () => [
      { header: t('webhooks.events.col.id'), id: 'id', cell: ({ row }) => <Link to={`/webhooks/events/${row.original.id}`}>#{row.original.id}</Link> },
      { header: t('webhooks.events.col.type'), id: 'type', cell: ({ row }) => <code>{row.original.type}</code> },
      { header: t('webhooks.events.col.source'), id: 'source', cell: ({ row }) => t(`webhooks.source.${row.original.source}`) },
      { header: t('webhooks.events.col.created'), id: 'created', cell: ({ row }) => <Time value={row.original.created_at} /> },
      { header: t('webhooks.events.col.webhookId'), id: 'webhook-id', cell: ({ row }) => <code>{row.original.webhook_id}</code> },
    ],
    [t],
  );
  const filtered = Object.keys(query).length > 0;
  return (
    <section>
      <WebhooksNav />
      <div className="page-head">
        <h1>{t('webhooks.events.title')}</h1>
      </div>
      <form
        className="toolbar"
        role="search"
        aria-label={t('webhooks.events.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <SelectField label={t('webhooks.events.type')} value={draft.type} onChange={(type) => setDraft((d) => ({ ...d, type }))}>
          <option value="">{t('webhooks.events.anyType')}</option>
          {(catalogue.data?.items ?? []).map((type) => (
            <option key={type.name} value={type.name}>
              {type.name}
            </option>
          ))}
        </SelectField>
        <label className="field">
          <span>{t('webhooks.events.since')}</span>
          <input type="datetime-local" value={draft.since} onChange={(e) => setDraft((d) => ({ ...d, since: e.target.value }))} />
        </label>
        <button type="submit">{t('common.actions.search')}</button>
        <button
          type="button"
          className="outline"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
          }}
        >
          {t('common.actions.clear')}
        </button>
      </form>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{filtered ? t('webhooks.events.emptyFiltered') : t('webhooks.events.empty')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('webhooks.events.caption')} rowKey={(e) => e.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
