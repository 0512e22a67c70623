import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap, type Schemas } from '../api';
import { CursorPager } from '../components/DataTable';
import { Empty, ErrorState, Loading } from '../components/States';
import { usePagedList } from '../lib/use-paged-list';
import { AttemptTable } from './AttemptTable';
import { SelectField, useEventTypes } from './shared';
import { attemptQuery, NO_ATTEMPT_FILTERS, type AttemptFilterForm } from './webhook-views';

/** An endpoint's attempt log, newest first: filter by outcome, HTTP status, event type and time; open one for its body. */
export function EndpointAttempts({ endpointId }: { endpointId: number }) {
  const { t } = useTranslation();
  const catalogue = useEventTypes();
  const [draft, setDraft] = useState<AttemptFilterForm>(NO_ATTEMPT_FILTERS);
  const [filters, setFilters] = useState<AttemptFilterForm>(NO_ATTEMPT_FILTERS);
  const query = attemptQuery(filters);
  const list = usePagedList<Schemas['WebhookAttempt']>(
    `/api/v1/webhooks/endpoints/{id}/attempts`,
    { id: endpointId, ...query },
    (cursor) =>
      unwrap(
        api.GET('/api/v1/webhooks/endpoints/{id}/attempts', {
          params: { path: { id: endpointId }, query: { limit: 25, ...query, ...(cursor !== undefined ? { cursor } : {}) } },
        }),
      ),
    { refetchInterval: 10_000 },
  );
  const set = (name: keyof AttemptFilterForm) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [name]: e.target.value }));
  const filtered = Object.keys(query).length > 0;
  return (
    <section aria-labelledby="attempt-log">
      <h2 id="attempt-log">{t('webhooks.attempts.title')}</h2>
      <form
        className="toolbar"
        role="search"
        aria-label={t('webhooks.attempts.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <SelectField label={t('webhooks.attempts.outcome')} value={draft.outcome} onChange={(outcome) => setDraft((d) => ({ ...d, outcome: outcome as AttemptFilterForm['outcome'] }))}>
          <option value="">{t('webhooks.attempts.anyOutcome')}</option>
          <option value="succeeded">{t('webhooks.status.succeeded')}</option>
          <option value="failed">{t('webhooks.status.failed')}</option>
        </SelectField>
        <label className="field">
          <span>{t('webhooks.attempts.statusCode')}</span>
          <input type="number" inputMode="numeric" min={100} max={599} value={draft.statusCode} onChange={set('statusCode')} />
        </label>
        <SelectField label={t('webhooks.attempts.eventType')} value={draft.eventType} onChange={(eventType) => setDraft((d) => ({ ...d, eventType }))}>
          <option value="">{t('webhooks.attempts.anyType')}</option>
          {(catalogue.data?.items ?? []).map((type) => (
            <option key={type.name} value={type.name}>
              {type.name}
            </option>
          ))}
        </SelectField>
        <label className="field">
          <span>{t('webhooks.attempts.since')}</span>
          <input type="datetime-local" value={draft.since} onChange={set('since')} />
        </label>
        <label className="field">
          <span>{t('webhooks.attempts.until')}</span>
          <input type="datetime-local" value={draft.until} onChange={set('until')} />
        </label>
        <button type="submit">{t('common.actions.search')}</button>
        <button
          type="button"
          className="outline"
          onClick={() => {
            setDraft(NO_ATTEMPT_FILTERS);
            setFilters(NO_ATTEMPT_FILTERS);
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
        <Empty>{filtered ? t('webhooks.attempts.emptyFiltered') : t('webhooks.attempts.empty')}</Empty>
      ) : (
        <>
          <AttemptTable attempts={list.data.items} caption={t('webhooks.attempts.caption')} show="event" />
          <CursorPager page={list.page} hasNext={list.hasNext} onFirst={list.first} onNext={list.next} />
        </>
      )}
    </section>
  );
}
