import './integrations.css';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ErrorSchema, RJSFSchema } from '@rjsf/utils';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, key, RelayProblem, unwrap, type Schemas } from '../api';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { ErrorState, Loading } from '../components/States';
import { viewerTimeZone } from '../lib/format';
import { changedFrom, discriminatorUiSchema, placeProblemErrors, prepareSchema, pruneForSubmit, stableStringify } from '../lib/schema-form';
import { issuesToErrorSchema, schemaIssues } from '../lib/schema-validator';
import { useSession } from '../session';
import { idParam, invalidateIntegrations, useAllCredentials, useProviders, type Credential, type Integration, type JsonObject, type Provider } from './queries';
import { draftFromSchedule, scheduleFromDraft, type Schedule, type ScheduleDraft } from './schedule';
import { SCHEDULE_FIELDS, ScheduleEditor } from './ScheduleEditor';
import { describeIssue, SchemaFields } from './SchemaFields';
import { SubNav } from './SubNav';

type ApiSchedule = Schemas['IntegrationSchedule'];
type TimeZone = Extract<ApiSchedule, { kind: 'cron' }>['timezone'];
/** The editor's schedule as the API's type (the API checks the time zone name and says so at body.schedule.timezone). */
const apiSchedule = (s: Schedule): ApiSchedule => (s.kind === 'interval' ? s : { kind: 'cron', cron: s.cron, timezone: s.timezone as TimeZone });

/** A new integration (`integrations/new`) or changes to one (`integrations/:id/edit`). */
export function IntegrationFormPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const params = useParams();
  const isNew = params.id === undefined;
  const id = idParam(params.id);
  const providers = useProviders();
  const credentials = useAllCredentials();
  const integration = useQuery({
    queryKey: key('/api/v1/integrations/{id}', { id }),
    queryFn: () => unwrap(api.GET('/api/v1/integrations/{id}', { params: { path: { id: id ?? 0 } } })),
    enabled: id !== null,
  });
  let body;
  if (!can('operator')) body = <p className="note">{t('common.states.readOnly', { role: t('common.roles.viewer') })}</p>;
  else if (!isNew && id === null) body = <ErrorState error={new Error(t('common.states.notFound'))} />;
  else if (providers.isPending || credentials.isPending || (!isNew && integration.isPending)) body = <Loading />;
  else if (providers.isError) body = <ErrorState error={providers.error} onRetry={() => void providers.refetch()} />;
  else if (credentials.isError) body = <ErrorState error={credentials.error} onRetry={() => void credentials.refetch()} />;
  else if (!isNew && integration.isError) body = <ErrorState error={integration.error} onRetry={() => void integration.refetch()} />;
  else body = <IntegrationForm key={integration.data?.id ?? 'new'} providers={providers.data.items} credentials={credentials.data} integration={isNew ? undefined : integration.data} />;
  return (
    <section className="integrations-page">
      <SubNav />
      <div className="page-head">
        <h1>{isNew ? t('integrations.new') : t('integrations.edit', { name: integration.data?.name ?? '' })}</h1>
        <Link to={isNew ? '/integrations' : `/integrations/${id}`}>{t('common.actions.back')}</Link>
      </div>
      {body}
    </section>
  );
}

function IntegrationForm({ providers, credentials, integration }: { providers: Provider[]; credentials: Credential[]; integration?: Integration }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState(integration?.name ?? '');
  const [providerId, setProviderId] = useState(integration?.provider ?? providers.find((p) => p.id === 'http-json')?.id ?? providers[0]?.id ?? '');
  const provider = providers.find((p) => p.id === providerId);
  const usable = credentials.filter((c) => provider?.credential_types.includes(c.type));
  const [credentialId, setCredentialId] = useState<string>(integration ? String(integration.credential_id ?? '') : provider?.credential_required && usable[0] ? String(usable[0].id) : '');
  const [config, setConfig] = useState<unknown>(integration?.config ?? {});
  const [draft, setDraft] = useState<ScheduleDraft>(() => draftFromSchedule(integration?.schedule, viewerTimeZone()));
  const [active, setActive] = useState(integration?.active ?? true);
  const [priority, setPriority] = useState<'normal' | 'high'>(integration?.priority ?? 'normal');
  const [ownErrors, setOwnErrors] = useState<ErrorSchema | undefined>();
  const schema = useMemo(() => (provider ? prepareSchema(provider.config_schema, (v) => t('integrations.schemaForm.default', { value: v })) : null), [provider, t]);
  const uiSchema = useMemo(() => (schema ? discriminatorUiSchema(schema) : undefined), [schema]);

  const save = useMutation({
    mutationFn: async () => {
      const pruned = pruneForSubmit(schema as RJSFSchema, config) as JsonObject;
      const schedule = apiSchedule(scheduleFromDraft(draft));
      const credential_id = credentialId === '' ? null : Number(credentialId);
      if (!integration) {
        return unwrap(api.POST('/api/v1/integrations', { body: { name: name.trim(), provider: providerId, credential_id, config: pruned, schedule, active, priority } }));
      }
      const body = {
        ...(name.trim() !== integration.name ? { name: name.trim() } : {}),
        ...(credential_id !== integration.credential_id ? { credential_id } : {}),
        ...(changedFrom(schema as RJSFSchema, integration.config, config) ? { config: pruned } : {}),
        ...(stableStringify(schedule) !== stableStringify(integration.schedule) ? { schedule } : {}),
        ...(active !== integration.active ? { active } : {}),
        ...(priority !== integration.priority ? { priority } : {}),
      };
      if (Object.keys(body).length === 0) return integration;
      return unwrap(api.PATCH('/api/v1/integrations/{id}', { params: { path: { id: integration.id } }, body }));
    },
    onSuccess: async (saved) => {
      await invalidateIntegrations(queryClient);
      navigate(`/integrations/${saved.id}`, { state: { notice: integration ? t('integrations.saved') : t('integrations.created') } });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!schema) return;
    const issues = schemaIssues(schema, pruneForSubmit(schema, config));
    const own = issues.length > 0 ? issuesToErrorSchema(issues, (issue) => describeIssue(t, issue)) : undefined;
    setOwnErrors(own);
    if (!own) save.mutate();
  };

  const problem = save.error instanceof RelayProblem ? save.error : null;
  const placed = schema && problem ? placeProblemErrors(problem.errors, 'config', schema, config) : { errorSchema: {}, shown: [] };
  const shown = ['name', 'provider', 'credential_id', 'active', 'priority', ...SCHEDULE_FIELDS, ...placed.shown];
  const configErrors = ownErrors ?? (Object.keys(placed.errorSchema).length > 0 ? placed.errorSchema : undefined);

  return (
    <form onSubmit={submit} noValidate aria-label={integration ? t('integrations.edit', { name: integration.name }) : t('integrations.new')}>
      <div className="grid">
        <Field label={t('integrations.field.name')} name="name" error={save.error}>
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('integrations.field.provider')} name="provider" error={save.error} hint={provider?.description}>
          <select
            value={providerId}
            disabled={!!integration}
            onChange={(e) => {
              const next = providers.find((p) => p.id === e.target.value);
              setProviderId(e.target.value);
              setConfig({});
              setOwnErrors(undefined);
              const fits = credentials.filter((c) => next?.credential_types.includes(c.type));
              setCredentialId(next?.credential_required && fits[0] ? String(fits[0].id) : '');
            }}
          >
            {providers.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <Field
        label={t('integrations.field.credential')}
        name="credential_id"
        error={save.error}
        hint={
          <>
            {t('integrations.credentialHint', { types: provider?.credential_types.join(', ') ?? '' })} <Link to="/integrations/credentials/new">{t('integrations.credentials.new')}</Link>
          </>
        }
      >
        <select value={credentialId} onChange={(e) => setCredentialId(e.target.value)}>
          {!provider?.credential_required && <option value="">{t('integrations.noCredential')}</option>}
          {provider?.credential_required && usable.length === 0 && <option value="">{t('integrations.noUsableCredential')}</option>}
          {usable.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.name} ({c.type}; {c.allowed_hosts.join(', ')})
            </option>
          ))}
        </select>
      </Field>
      {schema && (
        <fieldset>
          <legend>{t('integrations.config')}</legend>
          <SchemaFields key={providerId} idPrefix="config" schema={schema} uiSchema={uiSchema} value={config}
            onChange={(value) => {
              setConfig(value);
              setOwnErrors(undefined);
            }}
            errors={configErrors} />
        </fieldset>
      )}
      <ScheduleEditor draft={draft} onChange={setDraft} error={save.error} />
      <div className="grid">
        <Field label={t('integrations.field.priority')} name="priority" error={save.error} hint={t('integrations.priorityHint')}>
          <select value={priority} onChange={(e) => setPriority(e.target.value as 'normal' | 'high')}>
            <option value="normal">{t('integrations.priority.normal')}</option>
            <option value="high">{t('integrations.priority.high')}</option>
          </select>
        </Field>
        <label className="field switch-field">
          <input type="checkbox" role="switch" checked={active} onChange={(e) => setActive(e.target.checked)} />
          {t('integrations.activeLabel')}
          <small className="hint">{t('integrations.activeHint')}</small>
        </label>
      </div>
      <ProblemAlert error={save.error} shown={shown} />
      {ownErrors && (
        <p className="field-error" role="alert">
          {t('integrations.fixFields')}
        </p>
      )}
      <button type="submit" aria-busy={save.isPending} disabled={save.isPending}>
        {integration ? t('common.actions.save') : t('common.actions.create')}
      </button>
    </form>
  );
}
