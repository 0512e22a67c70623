import { useMutation } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, RelayProblem, unwrap, type Schemas } from '../api';
import { Field } from '../components/Field';
import { ProblemAlert } from '../components/ProblemAlert';
import { createBody, errorsUnder, eventTypeFilters, formFromEndpoint, offeredFilters, updateBody, type EndpointFormState, type HeaderRow } from './endpoint-form';
import { useEventTypes, useInvalidateWebhooks } from './shared';

type Endpoint = Schemas['WebhookEndpoint'];
type Saved = { endpoint: Endpoint; secret?: string };
/** Field paths the form shows next to their controls (the rest go to the problem alert). */
const SHOWN = ['url', 'description', 'timeout_ms', 'rate_limit_per_s', 'secret', 'headers', 'event_types'];

/**
 * Create an endpoint or change one (only what changed is sent). Errors from the API appear next to their field,
 * header errors next to their row, filter errors under the filters.
 */
export function EndpointForm({ endpoint, onDone }: { endpoint?: Endpoint; onDone: (saved: Saved | null) => void }) {
  const { t } = useTranslation();
  const invalidate = useInvalidateWebhooks();
  const catalogue = useEventTypes();
  const offered = useMemo(() => offeredFilters((catalogue.data?.items ?? []).map((e) => e.name)), [catalogue.data]);
  const [form, setForm] = useState<EndpointFormState>(() => formFromEndpoint(endpoint, offered));
  // The catalogue may arrive after the form opened: a filter it offers moves from the typed list to its checkbox.
  const [placed, setPlaced] = useState(offered.length > 0);
  if (!placed && offered.length > 0) {
    setPlaced(true);
    const fresh = formFromEndpoint(endpoint, offered);
    setForm((f) => ({ ...f, filters: fresh.filters, otherFilters: fresh.otherFilters }));
  }
  const save = useMutation({
    mutationFn: async (): Promise<Saved | null> => {
      if (!endpoint) {
        const created = await unwrap(api.POST('/api/v1/webhooks/endpoints', { body: createBody(form) }));
        const { secret, ...rest } = created;
        return { endpoint: rest, secret };
      }
      const body = updateBody(form, endpoint);
      if (body === null) return null;
      return { endpoint: await unwrap(api.PATCH('/api/v1/webhooks/endpoints/{id}', { params: { path: { id: endpoint.id } }, body })) };
    },
    onSuccess: async (saved) => {
      await invalidate();
      onDone(saved);
    },
  });
  const problem = save.error instanceof RelayProblem ? save.error : null;
  const headerErrors = errorsUnder(problem?.errors ?? [], 'headers');
  const sentFilters = eventTypeFilters(form);
  const filterErrorMap = errorsUnder(problem?.errors ?? [], 'event_types');
  const filterErrors = [...filterErrorMap].flatMap(([index, messages]) => {
    const filter = /^\d+$/.test(index) ? (sentFilters[Number(index)] ?? index) : index;
    return messages.map((m) => (filter ? `${filter}: ${m}` : m));
  });
  // Header errors are shown next to their row (or under the headers for the whole set); others by the alert.
  const rowNames = new Set(form.headers.map((h) => h.name.trim()));
  const shown = [
    ...SHOWN,
    ...[...headerErrors.keys()].filter((k) => k === '' || rowNames.has(k)).map((k) => (k ? `headers.${k}` : 'headers')),
    ...[...filterErrorMap.keys()].map((k) => (k ? `event_types.${k}` : 'event_types')),
  ];
  const set = (name: 'url' | 'description' | 'otherFilters' | 'timeoutMs' | 'rateLimit' | 'secret') => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [name]: e.target.value }));
  const setHeader = (index: number, patch: Partial<HeaderRow>) =>
    setForm((f) => ({ ...f, headers: f.headers.map((h, i) => (i === index ? { ...h, ...patch } : h)) }));
  const toggle = (filter: string, on: boolean) =>
    setForm((f) => ({ ...f, filters: on ? [...f.filters, filter] : f.filters.filter((x) => x !== filter) }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const filtersId = useId();
  const title = endpoint ? t('webhooks.form.editTitle') : t('webhooks.form.newTitle');
  return (
    <form onSubmit={submit} aria-label={title} noValidate>
      <Field label={t('webhooks.form.url')} name="url" error={save.error} hint={t('webhooks.form.urlHint')}>
        <input type="url" inputMode="url" autoComplete="off" required value={form.url} onChange={set('url')} placeholder="https://" />
      </Field>
      <Field label={t('webhooks.form.description')} name="description" error={save.error}>
        <input value={form.description} onChange={set('description')} />
      </Field>

      <fieldset aria-describedby={`${filtersId}-hint`}>
        <legend>{t('webhooks.form.eventTypes')}</legend>
        <small id={`${filtersId}-hint`} className="hint block">
          {t('webhooks.form.eventTypesHint')}
        </small>
        <div className="filter-options">
          {offered.map((filter) => (
            <label key={filter}>
              <input type="checkbox" checked={form.filters.includes(filter)} onChange={(e) => toggle(filter, e.target.checked)} />
              <code>{filter}</code>
            </label>
          ))}
        </div>
        <Field label={t('webhooks.form.otherFilters')} name="other_event_types" hint={t('webhooks.form.otherFiltersHint')}>
          <input value={form.otherFilters} onChange={set('otherFilters')} autoComplete="off" />
        </Field>
        {filterErrors.map((message) => (
          <small key={message} className="field-error" role="alert">
            {message}
          </small>
        ))}
      </fieldset>

      <fieldset>
        <legend>{t('webhooks.form.headers')}</legend>
        <small className="hint block">{t('webhooks.form.headersHint')}</small>
        {form.headers.length === 0 && <p className="note">{t('webhooks.form.noHeaders')}</p>}
        {form.headers.map((row, index) => {
          const unreadable = endpoint?.headers !== undefined && endpoint.headers[row.name] === null && row.value === '';
          const errors = headerErrors.get(row.name.trim()) ?? [];
          return (
            <div className="header-row" key={index} role="group" aria-label={t('webhooks.form.headerRow', { n: index + 1 })}>
              <label className="field">
                <span>{t('webhooks.form.headerName')}</span>
                <input value={row.name} onChange={(e) => setHeader(index, { name: e.target.value })} autoComplete="off" aria-invalid={errors.length > 0 || undefined} />
              </label>
              <label className="field">
                <span>{t('webhooks.form.headerValue')}</span>
                <input
                  value={row.value}
                  onChange={(e) => setHeader(index, { value: e.target.value })}
                  autoComplete="off"
                  placeholder={unreadable ? t('webhooks.form.headerUnreadable') : undefined}
                  aria-invalid={errors.length > 0 || undefined}
                />
              </label>
              <button
                type="button"
                className="outline secondary"
                aria-label={t('webhooks.form.removeHeader', { name: row.name || index + 1 })}
                onClick={() => setForm((f) => ({ ...f, headers: f.headers.filter((_, i) => i !== index) }))}
              >
                ×
              </button>
              {errors.map((message) => (
                <small key={message} className="field-error header-error" role="alert">
                  {message}
                </small>
              ))}
            </div>
          );
        })}
        {(headerErrors.get('') ?? []).map((message) => (
          <small key={message} className="field-error" role="alert">
            {message}
          </small>
        ))}
        <button type="button" className="outline" onClick={() => setForm((f) => ({ ...f, headers: [...f.headers, { name: '', value: '' }] }))}>
          {t('webhooks.form.addHeader')}
        </button>
      </fieldset>

      <div className="grid">
        <Field label={t('webhooks.form.timeout')} name="timeout_ms" error={save.error} hint={t('webhooks.form.timeoutHint')}>
          <input type="number" inputMode="numeric" min={1000} max={30000} step={500} value={form.timeoutMs} onChange={set('timeoutMs')} />
        </Field>
        <Field label={t('webhooks.form.rateLimit')} name="rate_limit_per_s" error={save.error} hint={t('webhooks.form.rateLimitHint')}>
          <input type="number" inputMode="numeric" min={1} max={1000} value={form.rateLimit} onChange={set('rateLimit')} />
        </Field>
        <Field label={t('webhooks.form.ordering')} name="ordering" error={save.error} hint={t('webhooks.form.orderingHint')}>
          <select value={form.ordering} onChange={(e) => setForm((f) => ({ ...f, ordering: e.target.value === 'fifo' ? 'fifo' : 'none' }))}>
            <option value="none">{t('webhooks.form.orderingNone')}</option>
            <option value="fifo">{t('webhooks.form.orderingFifo')}</option>
          </select>
        </Field>
      </div>
      {!endpoint && (
        <Field label={t('webhooks.form.secret')} name="secret" error={save.error} hint={t('webhooks.form.secretHint')}>
          <input value={form.secret} onChange={set('secret')} autoComplete="off" spellCheck={false} />
        </Field>
      )}
      <ProblemAlert error={save.error} shown={shown} />
      <button type="submit" aria-busy={save.isPending} disabled={save.isPending}>
        {endpoint ? t('common.actions.save') : t('common.actions.create')}
      </button>
    </form>
  );
}
