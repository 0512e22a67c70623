import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { CursorPager, DataTable } from '../components/DataTable';
import { ReadOnlyNote } from '../components/Layout';
import { ProblemAlert } from '../components/ProblemAlert';
import { Empty, ErrorState, Loading } from '../components/States';
import { Time } from '../components/Time';
import { localClock } from '../lib/format';
import { usePagedList } from '../lib/use-paged-list';
import { useSession } from '../session';
import { ClientForm } from './ClientForm';

type Client = Schemas['Client'];
type Filters = { phone: string; tag: string; operator_code: string; timezone: string };
const NO_FILTERS: Filters = { phone: '', tag: '', operator_code: '', timezone: '' };

/** Clients: filter, page through, create, edit and delete. */
export function ClientsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [editing, setEditing] = useState<Client | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const active = Object.fromEntries(Object.entries(filters).filter(([, v]) => v.trim() !== '')) as Partial<Filters>;
  const list = usePagedList<Client>('/api/v1/clients', active, (cursor) =>
    unwrap(api.GET('/api/v1/clients', { params: { query: { limit: 25, ...active, ...(cursor !== undefined ? { cursor } : {}) } } })),
  );
  const remove = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/clients/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      setNotice(t('clients.deleted'));
      await queryClient.invalidateQueries({ queryKey: ['/api/v1/clients'] });
    },
  });
  const writable = can('operator');
  const columns = useMemo<ColumnDef<Client>[]>(
    () => [
      { header: t('clients.field.id'), accessorKey: 'id' },
      { header: t('clients.field.phone'), accessorKey: 'phone' },
      { header: t('clients.field.operatorCode'), accessorKey: 'operator_code' },
      { header: t('clients.field.tag'), accessorKey: 'tag' },
      { header: t('clients.field.timezone'), accessorKey: 'timezone' },
      { header: t('clients.field.localTime'), id: 'local', cell: ({ row }) => localClock(new Date(), row.original.timezone) },
      { header: t('clients.field.created'), id: 'created', cell: ({ row }) => <Time value={row.original.created_at} /> },
      ...(writable
        ? [
            {
              header: t('clients.field.actions'),
              id: 'actions',
              cell: ({ row }: { row: { original: Client } }) => (
                <span className="toolbar">
                  <button type="button" className="outline" onClick={() => setEditing(row.original)}>
                    {t('common.actions.edit')}
                  </button>
                  <ConfirmButton onConfirm={() => remove.mutateAsync(row.original.id)}>{t('common.actions.delete')}</ConfirmButton>
                </span>
              ),
            } satisfies ColumnDef<Client>,
          ]
        : []),
    ],
    [t, writable, remove],
  );
  const filtered = Object.keys(active).length > 0;
  return (
    <section>
      <div className="page-head">
        <h1>{t('clients.title')}</h1>
        {writable && (
          <button type="button" onClick={() => setEditing('new')}>
            {t('clients.new')}
          </button>
        )}
      </div>
      <ReadOnlyNote />
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      {editing && (
        <article>
          <header>
            <strong>{editing === 'new' ? t('clients.new') : t('clients.edit', { phone: editing.phone })}</strong>
          </header>
          <ClientForm
            key={editing === 'new' ? 'new' : editing.id} // a fresh form per client: another row's Edit must not keep these values
            client={editing === 'new' ? undefined : editing}
            onDone={(saved) => {
              setNotice(editing === 'new' ? t('clients.created', { phone: saved.phone }) : t('clients.saved'));
              setEditing(null);
            }}
          />
          <button type="button" className="outline secondary" onClick={() => setEditing(null)}>
            {t('common.actions.cancel')}
          </button>
        </article>
      )}
      <form
        className="toolbar"
        aria-label={t('clients.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        {(['phone', 'tag', 'operator_code', 'timezone'] as const).map((name) => (
          <label key={name} className="field">
            <span>{t(`clients.field.${name === 'operator_code' ? 'operatorCode' : name}`)}</span>
            <input value={draft[name]} onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))} />
          </label>
        ))}
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
      <ProblemAlert error={remove.error} />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty>{filtered ? t('clients.emptyFiltered') : t('clients.empty')}</Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('clients.caption')} rowKey={(c) => c.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
