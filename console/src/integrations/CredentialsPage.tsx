import './integrations.css';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { api, unwrap } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { CursorPager, DataTable } from '../components/DataTable';
import { ReadOnlyNote } from '../components/Layout';
import { ProblemAlert } from '../components/ProblemAlert';
import { Empty, ErrorState, Loading } from '../components/States';
import { Time } from '../components/Time';
import { usePagedList } from '../lib/use-paged-list';
import { useSession } from '../session';
import { invalidateIntegrations, useCredentialTypes, type Credential } from './queries';
import { SubNav } from './SubNav';

/** Credentials: the secrets integrations send (never shown back), with the hosts they may go to. */
export function CredentialsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const writable = can('operator');
  const queryClient = useQueryClient();
  const location = useLocation();
  const types = useCredentialTypes();
  const [type, setType] = useState('');
  const [notice, setNotice] = useState<string | null>((location.state as { notice?: string } | null)?.notice ?? null);
  const filters = type ? { type } : {};
  const list = usePagedList<Credential>('/api/v1/credentials', filters, (cursor) =>
    unwrap(api.GET('/api/v1/credentials', { params: { query: { limit: 25, ...filters, ...(cursor !== undefined ? { cursor } : {}) } } })),
  );
  const remove = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/credentials/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      setNotice(t('integrations.credentials.deleted'));
      await invalidateIntegrations(queryClient);
    },
  });
  const typeName = useMemo(() => new Map(types.data?.items.map((x) => [x.id, x.name]) ?? []), [types.data]);
  const columns = useMemo<ColumnDef<Credential>[]>(
    () => [
      { header: t('integrations.credentials.name'), id: 'name', cell: ({ row }) => <Link to={`/integrations/credentials/${row.original.id}`}>{row.original.name}</Link> },
      { header: t('integrations.credentials.type'), id: 'type', cell: ({ row }) => typeName.get(row.original.type) ?? row.original.type },
      { header: t('integrations.credentials.allowedHosts'), id: 'hosts', cell: ({ row }) => row.original.allowed_hosts.join(', ') },
      {
        header: t('integrations.credentials.secret'),
        id: 'secret',
        cell: ({ row }) => (row.original.secret_fields.length > 0 ? t('integrations.credentials.secretSet', { fields: row.original.secret_fields.join(', ') }) : '—'),
      },
      { header: t('integrations.field.updated'), id: 'updated', cell: ({ row }) => <Time value={row.original.updated_at} /> },
      ...(writable
        ? [
            {
              header: t('integrations.field.actions'),
              id: 'actions',
              cell: ({ row }: { row: { original: Credential } }) => (
                <ConfirmButton onConfirm={() => remove.mutateAsync(row.original.id).catch(() => undefined)}>{t('common.actions.delete')}</ConfirmButton>
              ),
            } satisfies ColumnDef<Credential>,
          ]
        : []),
    ],
    [t, writable, remove, typeName],
  );
  return (
    <section className="integrations-page">
      <SubNav />
      <div className="page-head">
        <h1>{t('integrations.credentials.title')}</h1>
        {writable && (
          <Link role="button" to="/integrations/credentials/new">
            {t('integrations.credentials.new')}
          </Link>
        )}
      </div>
      <ReadOnlyNote />
      <p className="note">{t('integrations.credentials.intro')}</p>
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <div className="toolbar">
        <label className="field">
          <span>{t('integrations.credentials.type')}</span>
          <select value={type} onChange={(e) => setType(e.target.value)}>
            <option value="">{t('integrations.filters.any')}</option>
            {types.data?.items.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ProblemAlert error={remove.error} />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty
          action={
            writable && !type ? (
              <Link role="button" to="/integrations/credentials/new">
                {t('integrations.credentials.new')}
              </Link>
            ) : undefined
          }
        >
          {type ? t('integrations.credentials.emptyFiltered') : t('integrations.credentials.empty')}
        </Empty>
      ) : (
        <>
          <DataTable rows={list.data.items} columns={columns} caption={t('integrations.credentials.title')} rowKey={(c) => c.id} />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
