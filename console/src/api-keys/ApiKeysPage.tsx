import './api-keys.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useRef, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, key, unwrap, type Schemas } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { CopyButton } from '../components/CopyButton';
import { DataTable } from '../components/DataTable';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { useSession } from '../session';

type ApiKey = Schemas['ApiKey'];
type Role = ApiKey['role'];
const ROLES: Role[] = ['viewer', 'operator', 'admin'];
const KEYS = key('/api/v1/api-keys');

/** API keys (admins only): create one (its key shown once), list them, revoke one. */
export function ApiKeysPage() {
  const { t } = useTranslation();
  const { can, session } = useSession();
  if (!can('admin')) {
    return (
      <section className="api-keys-page">
        <h1>{t('apiKeys.title')}</h1>
        <p className="note" role="status">
          {t('apiKeys.adminsOnly', { role: t(`common.roles.${(session?.principal?.role ?? 'viewer') as Role}`) })}
        </p>
      </section>
    );
  }
  return <ApiKeys />;
}

function ApiKeys() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Schemas['CreatedApiKey'] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [showRevoked, setShowRevoked] = useState(true);
  const list = useQuery({ queryKey: KEYS, queryFn: () => unwrap(api.GET('/api/v1/api-keys')) });
  const revoke = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: async (_done, id) => {
      const name = list.data?.items.find((k) => k.id === id)?.name ?? String(id);
      setNotice(t('apiKeys.revoked', { name }));
      await queryClient.invalidateQueries({ queryKey: KEYS });
    },
  });
  const columns = useMemo<ColumnDef<ApiKey>[]>(
    () => [
      { header: t('apiKeys.field.name'), accessorKey: 'name' },
      { header: t('apiKeys.field.role'), id: 'role', cell: ({ row }) => t(`common.roles.${row.original.role}`) },
      { header: t('apiKeys.field.prefix'), id: 'prefix', cell: ({ row }) => <code>{row.original.key_prefix}…</code> },
      { header: t('apiKeys.field.created'), id: 'created', cell: ({ row }) => <Time value={row.original.created_at} /> },
      { header: t('apiKeys.field.lastUsed'), id: 'last_used', cell: ({ row }) => (row.original.last_used_at ? <Time value={row.original.last_used_at} /> : t('apiKeys.neverUsed')) },
      {
        header: t('apiKeys.field.state'),
        id: 'state',
        cell: ({ row }) =>
          row.original.revoked_at ? (
            <span>
              <StatusBadge status="disabled" label={t('apiKeys.state.revoked')} /> <Time value={row.original.revoked_at} />
            </span>
          ) : (
            <StatusBadge status="active" label={t('apiKeys.state.active')} />
          ),
      },
      {
        header: t('apiKeys.field.actions'),
        id: 'actions',
        cell: ({ row }) =>
          row.original.revoked_at ? null : (
            <ConfirmButton onConfirm={() => revoke.mutateAsync(row.original.id).catch(() => undefined)}>{t('apiKeys.revoke')}</ConfirmButton>
          ),
      },
    ],
    [t, revoke],
  );
  const rows = list.data?.items.filter((k) => showRevoked || !k.revoked_at) ?? [];
  return (
    <section className="api-keys-page">
      <div className="page-head">
        <h1>{t('apiKeys.title')}</h1>
        {!creating && !created && (
          <button type="button" onClick={() => setCreating(true)}>
            {t('apiKeys.new')}
          </button>
        )}
      </div>
      <p className="note">{t('apiKeys.intro')}</p>
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      {created && <CreatedKey created={created} onDone={() => setCreated(null)} />}
      {creating && (
        <article>
          <header>
            <strong>{t('apiKeys.new')}</strong>
          </header>
          <CreateKeyForm
            onCreated={async (answer) => {
              setCreating(false);
              setNotice(null);
              setCreated(answer);
              await queryClient.invalidateQueries({ queryKey: KEYS });
            }}
            onCancel={() => setCreating(false)}
          />
        </article>
      )}
      <ProblemAlert error={revoke.error} />
      <label className="switch-field">
        <input type="checkbox" role="switch" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} />
        {t('apiKeys.showRevoked')}
      </label>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        <Empty>{list.data.items.length > 0 ? t('apiKeys.allRevoked') : t('apiKeys.empty')}</Empty>
      ) : (
        <DataTable rows={rows} columns={columns} caption={t('apiKeys.title')} rowKey={(k) => k.id} />
      )}
    </section>
  );
}

function CreateKeyForm({ onCreated, onCancel }: { onCreated: (created: Schemas['CreatedApiKey']) => Promise<void>; onCancel: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/api-keys', { body: { name: name.trim(), role } })),
    onSuccess: onCreated,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} aria-label={t('apiKeys.new')}>
      <div className="grid">
        <Field label={t('apiKeys.field.name')} name="name" error={create.error} hint={t('apiKeys.nameHint')}>
          <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('apiKeys.field.role')} name="role" error={create.error} hint={t(`apiKeys.roleHint.${role}`)}>
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`common.roles.${r}`)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ProblemAlert error={create.error} shown={['name', 'role']} />
      <div className="toolbar">
        <button type="submit" aria-busy={create.isPending} disabled={create.isPending}>
          {t('common.actions.create')}
        </button>
        <button type="button" className="outline secondary" onClick={onCancel}>
          {t('common.actions.cancel')}
        </button>
      </div>
    </form>
  );
}

/** The new key, once: copy it now, it is not shown again. */
function CreatedKey({ created, onDone }: { created: Schemas['CreatedApiKey']; onDone: () => void }) {
  const { t } = useTranslation();
  const box = useRef<HTMLElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <article ref={box} tabIndex={-1} className="created-key" aria-labelledby="created-key-title">
      <header>
        <strong id="created-key-title">{t('apiKeys.created', { name: created.name, role: t(`common.roles.${created.role}`) })}</strong>
      </header>
      <p className="warning" role="alert">
        {t('apiKeys.onceWarning')}
      </p>
      <div className="key-row">
        <code className="secret" aria-label={t('apiKeys.theKey')}>
          {created.key}
        </code>
        <CopyButton text={created.key} label={t('apiKeys.copy')} />
      </div>
      <button type="button" onClick={onDone}>
        {t('apiKeys.done')}
      </button>
    </article>
  );
}
