import './integrations.css';
import { useQuery } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { api, key, unwrap } from '../api';
import { CopyButton } from '../components/CopyButton';
import { CursorPager, DataTable } from '../components/DataTable';
import { Field } from '../components/Field';
import { Empty, ErrorState, Loading } from '../components/States';
import { Time } from '../components/Time';
import { localInputToIso, viewerTimeZone } from '../lib/format';
import { usePagedList } from '../lib/use-paged-list';
import { idParam, type IntegrationRecord } from './queries';
import { SubNav } from './SubNav';

type Filters = { external_id?: string; modified_since?: string };

/** The records an integration synced: filter by external id or by change time, page through, read one as JSON. */
export function RecordsPage() {
  const { t } = useTranslation();
  const id = idParam(useParams().id);
  const integration = useQuery({
    queryKey: key('/api/v1/integrations/{id}', { id }),
    queryFn: () => unwrap(api.GET('/api/v1/integrations/{id}', { params: { path: { id: id ?? 0 } } })),
    enabled: id !== null,
  });
  return (
    <section className="integrations-page">
      <SubNav />
      <div className="page-head">
        <h1>{t('integrations.records.title', { name: integration.data?.name ?? '' })}</h1>
        {id !== null && <Link to={`/integrations/${id}`}>{t('integrations.records.back')}</Link>}
      </div>
      {id === null ? <ErrorState error={new Error(t('common.states.notFound'))} /> : integration.isError ? <ErrorState error={integration.error} /> : <Records integrationId={id} />}
    </section>
  );
}

function Records({ integrationId }: { integrationId: number }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState({ external_id: '', modified_since: '' });
  const [filters, setFilters] = useState<Filters>({});
  const [invalidSince, setInvalidSince] = useState(false);
  const [open, setOpen] = useState<IntegrationRecord | null>(null);
  const list = usePagedList<IntegrationRecord>('/api/v1/integrations/{id}/records', { id: integrationId, ...filters }, (cursor) =>
    unwrap(api.GET('/api/v1/integrations/{id}/records', { params: { path: { id: integrationId }, query: { limit: 25, ...filters, ...(cursor !== undefined ? { cursor } : {}) } } })),
  );
  const detail = useRef<HTMLElement>(null);
  useEffect(() => {
    if (open) detail.current?.focus();
  }, [open]);
  const columns = useMemo<ColumnDef<IntegrationRecord>[]>(
    () => [
      { header: t('integrations.records.externalId'), id: 'external_id', cell: ({ row }) => <code>{row.original.external_id}</code> },
      { header: t('integrations.records.sourceModified'), id: 'source', cell: ({ row }) => (row.original.source_modified_at ? <Time value={row.original.source_modified_at} /> : '—') },
      { header: t('integrations.records.changed'), id: 'updated', cell: ({ row }) => <Time value={row.original.updated_at} /> },
      { header: t('integrations.records.preview'), id: 'preview', cell: ({ row }) => <span className="record-preview">{JSON.stringify(row.original.data).slice(0, 80)}</span> },
      {
        header: t('integrations.field.actions'),
        id: 'actions',
        cell: ({ row }) => (
          <button type="button" className="outline" aria-expanded={open?.id === row.original.id} onClick={() => setOpen(open?.id === row.original.id ? null : row.original)}>
            {t('integrations.records.viewJson')}
          </button>
        ),
      },
    ],
    [t, open],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const since = draft.modified_since ? localInputToIso(draft.modified_since) : null;
    setInvalidSince(draft.modified_since !== '' && since === null);
    if (draft.modified_since !== '' && since === null) return;
    setOpen(null);
    setFilters({ ...(draft.external_id.trim() ? { external_id: draft.external_id.trim() } : {}), ...(since ? { modified_since: since } : {}) });
  };
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <form className="toolbar" aria-label={t('integrations.filters.title')} onSubmit={submit}>
        <label className="field">
          <span>{t('integrations.records.externalId')}</span>
          <input value={draft.external_id} onChange={(e) => setDraft((d) => ({ ...d, external_id: e.target.value }))} />
        </label>
        <Field
          label={t('integrations.records.modifiedSince')}
          name="modified_since"
          error={list.error}
          hint={invalidSince ? <span className="field-error">{t('integrations.records.badTime')}</span> : t('integrations.records.modifiedSinceHint', { zone: viewerTimeZone() })}
        >
          <input type="datetime-local" value={draft.modified_since} onChange={(e) => setDraft((d) => ({ ...d, modified_since: e.target.value }))} />
        </Field>
        <button type="submit">{t('common.actions.search')}</button>
        <button
          type="button"
          className="outline"
          onClick={() => {
            setDraft({ external_id: '', modified_since: '' });
            setFilters({});
            setInvalidSince(false);
          }}
        >
          {t('common.actions.clear')}
        </button>
      </form>
      {open && (
        <article ref={detail} tabIndex={-1} aria-label={t('integrations.records.recordN', { id: open.external_id })} className="record-detail">
          <header className="toolbar">
            <strong>{t('integrations.records.recordN', { id: open.external_id })}</strong>
            <span className="toolbar">
              <CopyButton text={JSON.stringify(open.data, null, 2)} label={t('integrations.records.copyJson')} />
              <button type="button" className="outline secondary" onClick={() => setOpen(null)}>
                {t('common.actions.close')}
              </button>
            </span>
          </header>
          <pre className="body">{JSON.stringify(open.data, null, 2)}</pre>
          <small>
            {t('integrations.records.firstSeen')}: <Time value={open.created_at} /> · {t('integrations.records.changed')}: <Time value={open.updated_at} /> ·{' '}
            {t('integrations.records.runs', { first: open.first_run_id ?? '—', last: open.last_run_id ?? '—' })} · {t('integrations.records.id', { id: open.id })}
          </small>
        </article>
      )}
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{filtered ? t('integrations.records.emptyFiltered') : t('integrations.records.empty')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('integrations.records.caption')} rowKey={(r) => r.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </>
  );
}
