import './integrations.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { Fragment, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { api, key, RelayProblem, unwrap } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { Field } from '../components/Field';
import { ReadOnlyNote } from '../components/Layout';
import { ProblemAlert } from '../components/ProblemAlert';
import { ErrorState, Loading } from '../components/States';
import { Time } from '../components/Time';
import { changedFrom, placeProblemErrors, prepareSchema, pruneForSubmit, secretUiSchema, withoutRequired } from '../lib/schema-form';
import { issuesToErrorSchema, schemaIssues } from '../lib/schema-validator';
import { useSession } from '../session';
import { AllowedHostsEditor, allowedHostsPaths } from './AllowedHostsEditor';
import { idParam, invalidateIntegrations, useCredentialTypes, type Credential, type CredentialType, type JsonObject } from './queries';
import { describeIssue, SchemaFields } from './SchemaFields';
import { SubNav } from './SubNav';

const isEmptyValue = (v: unknown) => v === undefined || v === null || v === '';

/** New credentials (`credentials/new`), or one to look at and change (`credentials/:id`). */
export function CredentialPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const writable = can('operator');
  const params = useParams();
  const isNew = params.id === undefined;
  const id = idParam(params.id);
  const types = useCredentialTypes();
  const credential = useQuery({
    queryKey: key('/api/v1/credentials/{id}', { id }),
    queryFn: () => unwrap(api.GET('/api/v1/credentials/{id}', { params: { path: { id: id ?? 0 } } })),
    enabled: id !== null,
  });
  const title = isNew ? t('integrations.credentials.new') : credential.data ? credential.data.name : t('integrations.credentials.title');
  let body;
  if (!isNew && id === null) body = <ErrorState error={new Error(t('common.states.notFound'))} />;
  else if (types.isPending || (!isNew && credential.isPending)) body = <Loading />;
  else if (types.isError) body = <ErrorState error={types.error} onRetry={() => void types.refetch()} />;
  else if (!isNew && credential.isError) body = <ErrorState error={credential.error} onRetry={() => void credential.refetch()} />;
  else if (!writable && credential.data) body = <CredentialFacts credential={credential.data} type={types.data.items.find((x) => x.id === credential.data.type)} />;
  else if (!writable) body = null;
  else body = <CredentialForm key={credential.data?.id ?? 'new'} types={types.data.items} credential={isNew ? undefined : credential.data} />;
  return (
    <section className="integrations-page">
      <SubNav />
      <div className="page-head">
        <h1>{title}</h1>
        <Link to="/integrations/credentials">{t('integrations.credentials.back')}</Link>
      </div>
      <ReadOnlyNote />
      {body}
    </section>
  );
}

function CredentialForm({ types, credential }: { types: CredentialType[]; credential?: Credential }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const created = (location.state as { created?: boolean } | null)?.created === true;
  const queryClient = useQueryClient();
  const [name, setName] = useState(credential?.name ?? '');
  const [typeId, setTypeId] = useState(credential?.type ?? types[0]?.id ?? '');
  const [publicData, setPublicData] = useState<unknown>(credential?.public ?? {});
  const [secretData, setSecretData] = useState<unknown>({});
  const [hosts, setHosts] = useState<string[]>(credential?.allowed_hosts.length ? credential.allowed_hosts : ['']);
  const [ownErrors, setOwnErrors] = useState<{ public?: ErrorSchema; secret?: ErrorSchema }>({});
  const [notice, setNotice] = useState<string | null>(null);
  const type = types.find((x) => x.id === typeId);
  const publicSchema = useMemo(() => (type ? prepareSchema(type.public_schema, (v) => t('integrations.schemaForm.default', { value: v })) : null), [type, t]);
  const secretSchemaFull = useMemo(() => (type ? prepareSchema(type.secret_schema) : null), [type]);
  // Editing: the stored secret stays unless a new one is typed, so nothing in it is required here.
  const secretSchema = useMemo(() => (secretSchemaFull && credential ? withoutRequired(secretSchemaFull) : secretSchemaFull), [secretSchemaFull, credential]);
  const secretUi = useMemo(() => (secretSchema ? secretUiSchema(secretSchema, credential ? t('integrations.credentials.secretKept') : undefined) : {}), [secretSchema, credential, t]);
  const hasPublicFields = publicSchema ? Object.keys((publicSchema.properties as object | undefined) ?? {}).length > 0 : false;

  const save = useMutation({
    mutationFn: async () => {
      const sentHosts = hosts.map((h) => h.trim()).filter(Boolean);
      setHosts(sentHosts.length > 0 ? sentHosts : ['']);
      const pub = pruneForSubmit(publicSchema as RJSFSchema, publicData) as JsonObject;
      const typed = Object.values((secretData as Record<string, unknown>) ?? {}).some((v) => !isEmptyValue(v));
      const secret = (secretData ?? {}) as JsonObject;
      if (!credential) {
        return unwrap(api.POST('/api/v1/credentials', { body: { name: name.trim(), type: typeId, public: pub, secret, allowed_hosts: sentHosts } }));
      }
      const body = {
        ...(name.trim() !== credential.name ? { name: name.trim() } : {}),
        ...(changedFrom(publicSchema as RJSFSchema, credential.public, publicData) ? { public: pub } : {}),
        ...(typed ? { secret } : {}),
        ...(sentHosts.join('\n') !== credential.allowed_hosts.join('\n') ? { allowed_hosts: sentHosts } : {}),
      };
      if (Object.keys(body).length === 0) return credential;
      return unwrap(api.PATCH('/api/v1/credentials/{id}', { params: { path: { id: credential.id } }, body }));
    },
    onSuccess: async (saved) => {
      setSecretData({});
      await invalidateIntegrations(queryClient);
      if (!credential) navigate(`/integrations/credentials/${saved.id}`, { state: { created: true } });
      else setNotice(t('integrations.credentials.saved'));
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE('/api/v1/credentials/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await invalidateIntegrations(queryClient);
      navigate('/integrations/credentials', { state: { notice: t('integrations.credentials.deleted') } });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setNotice(null);
    if (!publicSchema || !secretSchema) return;
    const describe = (issue: Parameters<typeof describeIssue>[1]) => describeIssue(t, issue);
    const typed = Object.values((secretData as Record<string, unknown>) ?? {}).some((v) => !isEmptyValue(v));
    // The page checks the fields against the schemas first; the API checks again (and more).
    const own = {
      public: issuesToErrorSchema(schemaIssues(publicSchema, pruneForSubmit(publicSchema, publicData)), describe),
      secret: credential && !typed ? {} : issuesToErrorSchema(schemaIssues(secretSchemaFull as RJSFSchema, secretData ?? {}), describe),
    };
    setOwnErrors(own);
    if (Object.keys(own.public).length > 0 || Object.keys(own.secret).length > 0) return;
    save.mutate();
  };

  const problem = save.error instanceof RelayProblem ? save.error : null;
  const placedPublic = publicSchema && problem ? placeProblemErrors(problem.errors, 'public', publicSchema, publicData) : { errorSchema: {}, shown: [] };
  const placedSecret = secretSchema && problem ? placeProblemErrors(problem.errors, 'secret', secretSchema, secretData) : { errorSchema: {}, shown: [] };
  const shown = ['name', 'type', ...allowedHostsPaths(hosts.length), ...placedPublic.shown, ...placedSecret.shown];

  return (
    <>
      {created && !notice && (
        <p role="status" className="note">
          {t('integrations.credentials.created')}
        </p>
      )}
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      <form onSubmit={submit} aria-label={credential ? t('integrations.credentials.edit', { name: credential.name }) : t('integrations.credentials.new')} noValidate>
        <div className="grid">
          <Field label={t('integrations.credentials.name')} name="name" error={save.error}>
            <input required value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label={t('integrations.credentials.type')} name="type" error={save.error} hint={type?.description}>
            <select
              value={typeId}
              disabled={!!credential}
              onChange={(e) => {
                setTypeId(e.target.value);
                setPublicData({});
                setSecretData({});
                setOwnErrors({});
              }}
            >
              {types.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {publicSchema && hasPublicFields && (
          <fieldset>
            <legend>{t('integrations.credentials.publicFields')}</legend>
            <SchemaFields
              key={`public-${typeId}`}
              idPrefix="public"
              schema={publicSchema}
              value={publicData}
              onChange={(value) => {
                setPublicData(value);
                setOwnErrors((e) => ({ ...e, public: undefined }));
              }}
              errors={mergeErrors(ownErrors.public, placedPublic.errorSchema)}
            />
          </fieldset>
        )}
        {secretSchema && (
          <fieldset>
            <legend>{t('integrations.credentials.secretFields')}</legend>
            <p className="note">{credential ? t('integrations.credentials.secretEditNote', { fields: credential.secret_fields.join(', ') }) : t('integrations.credentials.secretNote')}</p>
            <SchemaFields
              key={`secret-${typeId}`}
              idPrefix="secret"
              schema={secretSchema}
              uiSchema={secretUi}
              value={secretData}
              onChange={(value) => {
                setSecretData(value);
                setOwnErrors((e) => ({ ...e, secret: undefined }));
              }}
              errors={mergeErrors(ownErrors.secret, placedSecret.errorSchema)}
            />
          </fieldset>
        )}
        <AllowedHostsEditor hosts={hosts} onChange={setHosts} error={save.error} />
        <ProblemAlert error={save.error} shown={shown} />
        {(Object.keys(ownErrors.public ?? {}).length > 0 || Object.keys(ownErrors.secret ?? {}).length > 0) && (
          <p className="field-error" role="alert">
            {t('integrations.fixFields')}
          </p>
        )}
        <button type="submit" aria-busy={save.isPending} disabled={save.isPending}>
          {credential ? t('common.actions.save') : t('common.actions.create')}
        </button>
      </form>
      {credential && (
        <UsedBy credential={credential}>
          <ConfirmButton onConfirm={() => remove.mutateAsync(credential.id).catch(() => undefined)}>{t('common.actions.delete')}</ConfirmButton>
          <ProblemAlert error={remove.error} />
        </UsedBy>
      )}
    </>
  );
}

/** What a viewer sees: the fields as text (the secret only by the names of its set fields). */
function CredentialFacts({ credential, type }: { credential: Credential; type?: CredentialType }) {
  const { t } = useTranslation();
  const publicEntries = Object.entries(credential.public);
  return (
    <>
      <dl className="facts">
        <dt>{t('integrations.credentials.type')}</dt>
        <dd>{type?.name ?? credential.type}</dd>
        {publicEntries.map(([name, value]) => (
          <Fragment key={name}>
            <dt>{name}</dt>
            <dd>
              <code>{typeof value === 'string' ? value : JSON.stringify(value)}</code>
            </dd>
          </Fragment>
        ))}
        <dt>{t('integrations.credentials.secretFieldsSet')}</dt>
        <dd>{credential.secret_fields.join(', ') || '—'}</dd>
        <dt>{t('integrations.credentials.allowedHosts')}</dt>
        <dd>{credential.allowed_hosts.join(', ')}</dd>
      </dl>
      <UsedBy credential={credential} />
    </>
  );
}

function UsedBy({ credential, children }: { credential: Credential; children?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <article>
      <header>
        <strong>{t('integrations.credentials.usedBy')}</strong>
      </header>
      {credential.used_by && credential.used_by.length > 0 ? (
        <ul>
          {credential.used_by.map((integrationId) => (
            <li key={integrationId}>
              <Link to={`/integrations/${integrationId}`}>{t('integrations.integrationN', { id: integrationId })}</Link>
            </li>
          ))}
        </ul>
      ) : (
        <p className="note">{t('integrations.credentials.unused')}</p>
      )}
      <p>
        <small>
          {t('integrations.field.created')}: <Time value={credential.created_at} /> · {t('integrations.field.updated')}: <Time value={credential.updated_at} />
        </small>
      </p>
      {children}
    </article>
  );
}

/** The page's own errors and the API's for one set of generated fields (rjsf shows both). */
function mergeErrors(a: ErrorSchema | undefined, b: ErrorSchema): ErrorSchema | undefined {
  if (!a || Object.keys(a).length === 0) return Object.keys(b).length > 0 ? b : undefined;
  if (Object.keys(b).length === 0) return a;
  return { ...a, ...b };
}
