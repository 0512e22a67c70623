import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, RelayProblem, unwrap, type Schemas } from '../api';
import { ConfirmButton } from '../components/ConfirmButton';
import { Field } from '../components/Field';
import { ReadOnlyNote } from '../components/Layout';
import { ProblemAlert } from '../components/ProblemAlert';
import { Empty, ErrorState, Loading } from '../components/States';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { useSession } from '../session';
import { useEventTypes, useInvalidateWebhooks, WebhooksNav } from './shared';
import { parseSchemaText, prettyJson } from './webhook-views';

type EventType = Schemas['WebhookEventType'];

const SCHEMA_EXAMPLE = prettyJson({
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string' }, total: { type: 'number', minimum: 0 } },
});

/** The event catalogue: Relay's own types and registered ones, each with its JSON Schema; register and remove. */
export function EventTypesPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const invalidate = useInvalidateWebhooks();
  const catalogue = useEventTypes();
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const remove = useMutation({
    mutationFn: (name: string) => unwrap(api.DELETE('/api/v1/webhooks/event-types/{name}', { params: { path: { name } } })),
    onSuccess: async (_, name) => {
      setNotice(t('webhooks.eventTypes.deleted', { name }));
      await invalidate();
    },
  });
  const writable = can('operator');
  const items = catalogue.data?.items ?? [];
  const own = items.filter((e) => e.system);
  const registered = items.filter((e) => !e.system);
  const card = (type: EventType) => (
    <EventTypeCard
      key={type.name}
      type={type}
      onDelete={writable && !type.system ? () => remove.mutateAsync(type.name) : undefined}
    />
  );
  return (
    <section>
      <WebhooksNav />
      <div className="page-head">
        <h1>{t('webhooks.eventTypes.title')}</h1>
        {writable && !creating && (
          <button type="button" onClick={() => setCreating(true)}>
            {t('webhooks.eventTypes.new')}
          </button>
        )}
      </div>
      <p>{t('webhooks.eventTypes.intro')}</p>
      <ReadOnlyNote />
      {notice && (
        <p role="status" className="note">
          {notice}
        </p>
      )}
      {creating && (
        <article>
          <header>
            <strong>{t('webhooks.eventTypes.new')}</strong>
          </header>
          <EventTypeForm
            onDone={(created) => {
              setNotice(t('webhooks.eventTypes.created', { name: created.name }));
              setCreating(false);
            }}
          />
          <button type="button" className="outline secondary" onClick={() => setCreating(false)}>
            {t('common.actions.cancel')}
          </button>
        </article>
      )}
      <ProblemAlert error={remove.error} />
      {catalogue.isPending ? (
        <Loading />
      ) : catalogue.isError ? (
        <ErrorState error={catalogue.error} onRetry={() => void catalogue.refetch()} />
      ) : items.length === 0 ? (
        <Empty>{t('webhooks.eventTypes.empty')}</Empty>
      ) : (
        <>
          <h2>{t('webhooks.eventTypes.yours')}</h2>
          {registered.length === 0 ? <Empty>{t('webhooks.eventTypes.noneRegistered')}</Empty> : <div className="type-list">{registered.map(card)}</div>}
          <h2>{t('webhooks.eventTypes.own')}</h2>
          <div className="type-list">{own.map(card)}</div>
        </>
      )}
    </section>
  );
}

function EventTypeCard({ type, onDelete }: { type: EventType; onDelete?: () => Promise<unknown> }) {
  const { t } = useTranslation();
  return (
    <article className="event-type" aria-label={type.name}>
      <header className="event-type-head">
        <span>
          <code className="type-name">{type.name}</code>{' '}
          <StatusBadge status={type.system ? 'scheduled' : 'active'} label={type.system ? t('webhooks.eventTypes.system') : t('webhooks.eventTypes.registered')} />
        </span>
        {onDelete && <ConfirmButton onConfirm={onDelete}>{t('common.actions.delete')}</ConfirmButton>}
      </header>
      <p>{type.description || <span className="muted">{t('webhooks.eventTypes.noDescription')}</span>}</p>
      {type.created_at && (
        <p>
          <small>
            {t('webhooks.eventTypes.registeredOn')} <Time value={type.created_at} />
          </small>
        </p>
      )}
      <details>
        <summary>{t('webhooks.eventTypes.schema')}</summary>
        <pre className="body" tabIndex={0}>
          {prettyJson(type.schema)}
        </pre>
      </details>
    </article>
  );
}

/** Register a type: name, description and the JSON Schema as text (checked as JSON here, as a schema by the API). */
function EventTypeForm({ onDone }: { onDone: (created: EventType) => void }) {
  const { t } = useTranslation();
  const invalidate = useInvalidateWebhooks();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [schemaText, setSchemaText] = useState(SCHEMA_EXAMPLE);
  // A schema that is not JSON never reaches the API: its error is shown where the API's would be.
  const [jsonError, setJsonError] = useState<RelayProblem | null>(null);
  const save = useMutation({
    mutationFn: (schema: Record<string, unknown>) =>
      unwrap(api.POST('/api/v1/webhooks/event-types', { body: { name: name.trim(), description: description.trim(), schema: schema as Schemas['CreateWebhookEventType']['schema'] } })),
    onSuccess: async (created) => {
      await invalidate();
      onDone(created);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseSchemaText(schemaText);
    if (!parsed.ok) {
      const message = t('webhooks.eventTypes.schemaInvalidJson', { message: parsed.message });
      setJsonError(new RelayProblem(400, { title: message, errors: [{ path: 'body.schema', message }] }));
      return;
    }
    setJsonError(null);
    save.mutate(parsed.schema);
  };
  return (
    <form onSubmit={submit} aria-label={t('webhooks.eventTypes.new')} noValidate>
      <div className="grid">
        <Field label={t('webhooks.eventTypes.name')} name="name" error={save.error} hint={t('webhooks.eventTypes.nameHint')}>
          <input required value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} />
        </Field>
        <Field label={t('webhooks.eventTypes.description')} name="description" error={save.error}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </div>
      <Field label={t('webhooks.eventTypes.schema')} name="schema" error={jsonError ?? save.error} hint={t('webhooks.eventTypes.schemaHint')}>
        <textarea className="code" rows={12} value={schemaText} onChange={(e) => setSchemaText(e.target.value)} spellCheck={false} />
      </Field>
      <ProblemAlert error={save.error} shown={['name', 'description', 'schema']} />
      <button type="submit" aria-busy={save.isPending} disabled={save.isPending}>
        {t('common.actions.create')}
      </button>
    </form>
  );
}
