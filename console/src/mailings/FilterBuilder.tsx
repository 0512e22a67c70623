import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, key, RelayProblem, unwrap } from '../api';
import { ErrorState } from '../components/States';
import { formatNumber } from '../lib/format';
import { filterFieldErrors, filterOptions, parseTypedValues, toggleValue, type FilterField, type MailingFilter } from './filter';

const FACET_LIMIT = 100;
/** Above this many values a field gets a search box. */
const SEARCH_FROM = 12;

export const facetsKey = key('/api/v1/clients/facets', { limit: FACET_LIMIT });

/** The clients' operator codes, tags and time zones with their counts (shared by the builder and the preview). */
export function useFacets() {
  return useQuery({
    queryKey: facetsKey,
    queryFn: () => unwrap(api.GET('/api/v1/clients/facets', { params: { query: { limit: FACET_LIMIT } } })),
    staleTime: 30_000,
  });
}

/**
 * Who receives a mailing: operator codes and tags offered from the clients' data with their counts, as checkboxes
 * (chips), plus a box to add a value no client has yet. Nothing chosen in a field means any value.
 */
export function FilterBuilder({ filter, onChange, error, disabled }: { filter: MailingFilter; onChange: (next: MailingFilter) => void; error: unknown; disabled?: boolean }) {
  const facets = useFacets();
  if (facets.isError) return <ErrorState error={facets.error} onRetry={() => void facets.refetch()} />;
  return (
    <div className="filter-builder" aria-busy={facets.isPending}>
      {(['operator_codes', 'tags'] as const).map((field) => (
        <FacetField
          key={field}
          field={field}
          filter={filter}
          onChange={onChange}
          error={error}
          disabled={disabled}
          facets={facets.data?.[field] ?? []}
          limited={(facets.data?.[field].length ?? 0) >= (facets.data?.limit ?? Infinity)}
        />
      ))}
    </div>
  );
}

function FacetField({
  field,
  filter,
  onChange,
  error,
  disabled,
  facets,
  limited,
}: {
  field: FilterField;
  filter: MailingFilter;
  onChange: (next: MailingFilter) => void;
  error: unknown;
  disabled?: boolean;
  facets: { value: string; count: number }[];
  limited: boolean;
}) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const [search, setSearch] = useState('');
  const [typed, setTyped] = useState('');
  const [invalid, setInvalid] = useState<string[]>([]);
  const selected = filter[field];
  const options = filterOptions(facets, selected, search);
  const errors = error instanceof RelayProblem ? filterFieldErrors(error.errors, field, filter) : [];
  const name = field === 'operator_codes' ? 'operatorCodes' : 'tags';
  const label = (value: string) => (value === '' ? t('mailings.filter.noTag') : value);
  const add = () => {
    const parsed = parseTypedValues(field, typed, selected);
    setInvalid(parsed.invalid);
    if (parsed.values.length > 0) onChange({ ...filter, [field]: [...selected, ...parsed.values] });
    setTyped(parsed.invalid.join(', '));
  };
  return (
    <fieldset className="facet" aria-describedby={`${id}-hint`} aria-invalid={errors.length > 0 || undefined}>
      <legend>
        {t(`mailings.filter.${name}`)}{' '}
        <small className="facet-state">{selected.length === 0 ? t('mailings.filter.any') : t('mailings.filter.chosen', { count: selected.length })}</small>
      </legend>
      <small id={`${id}-hint`} className="hint">
        {t(`mailings.filter.${name}Hint`)}
      </small>
      {facets.length > SEARCH_FROM && (
        <input
          type="search"
          className="facet-search"
          placeholder={t('mailings.filter.search')}
          aria-label={t('mailings.filter.searchIn', { field: t(`mailings.filter.${name}`) })}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
      )}
      {options.length === 0 ? (
        <p className="note">{search ? t('mailings.filter.noMatch') : t('mailings.filter.noValues')}</p>
      ) : (
        <ul className="chips">
          {options.map((option) => (
            <li key={option.value}>
              <label className={option.selected ? 'chip chosen' : 'chip'}>
                <input type="checkbox" checked={option.selected} disabled={disabled} onChange={() => onChange(toggleValue(filter, field, option.value))} />
                <span className={option.value === '' ? 'chip-value empty-tag' : 'chip-value'}>{label(option.value)}</span>
                <span className="chip-count" aria-label={option.count === null ? t('mailings.filter.noClients') : t('mailings.filter.clients', { count: option.count })}>
                  {option.count === null ? '0' : formatNumber(option.count, i18n.language)}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {limited && <small className="hint">{t('mailings.filter.limited', { count: facets.length })}</small>}
      <div className="facet-add">
        <input
          value={typed}
          disabled={disabled}
          placeholder={t(`mailings.filter.${name}Placeholder`)}
          aria-label={t('mailings.filter.addTo', { field: t(`mailings.filter.${name}`) })}
          aria-invalid={invalid.length > 0 || undefined}
          inputMode={field === 'operator_codes' ? 'numeric' : undefined}
          onChange={(e) => setTyped(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" className="outline" disabled={disabled || typed.trim() === ''} onClick={add}>
          {t('mailings.filter.add')}
        </button>
        {selected.length > 0 && (
          <button type="button" className="outline secondary" disabled={disabled} onClick={() => onChange({ ...filter, [field]: [] })}>
            {t('mailings.filter.clearField')}
          </button>
        )}
      </div>
      {invalid.length > 0 && (
        <small className="field-error" role="alert">
          {t(`mailings.filter.invalid.${name}`, { values: invalid.join(', ') })}
        </small>
      )}
      {errors.map((e) => (
        <small key={e.path} className="field-error" role="alert">
          {e.value !== undefined ? `${label(e.value)}: ${e.message}` : e.message}
        </small>
      ))}
    </fieldset>
  );
}
