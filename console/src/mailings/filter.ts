// A mailing's filter in the builder: operator codes and tags offered from the data (the clients' facets with their
// counts), values typed in by hand, and the request bodies built from the choice. The API's semantics: an empty list
// matches any value, a client matches any of a field's values, and every field must match (AND). Pure functions:
// unit-tested in test/unit/console-mailings-filter.test.ts.

export interface MailingFilter {
  operator_codes: string[];
  tags: string[];
}
export type FilterField = keyof MailingFilter;

export interface FacetValue {
  value: string;
  count: number;
}

/** One choice the builder shows: its count among all clients (null when the data does not hold it) and whether it is chosen. */
export interface FilterOption {
  value: string;
  count: number | null;
  selected: boolean;
}

export const EMPTY_FILTER: MailingFilter = { operator_codes: [], tags: [] };
export const MAX_FILTER_VALUES = 1000;
export const MAX_TAG_LENGTH = 64;

export const isOperatorCode = (value: string): boolean => /^\d{3}$/.test(value);

/** Unique values in a stable order (codes numerically, tags alphabetically), so equal choices build equal bodies. */
export function normalizeFilter(filter: MailingFilter): MailingFilter {
  const unique = (values: string[]) => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { operator_codes: unique(filter.operator_codes.map((v) => v.trim())), tags: unique(filter.tags) };
}

/** The filter with `value` chosen or unchosen in `field`. */
export function toggleValue(filter: MailingFilter, field: FilterField, value: string): MailingFilter {
  const values = filter[field];
  const next = values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
  return normalizeFilter({ ...filter, [field]: next });
}

/** Whether two filters choose the same clients (the same values, whatever their order). */
export function sameFilter(a: MailingFilter, b: MailingFilter): boolean {
  const x = normalizeFilter(a);
  const y = normalizeFilter(b);
  return JSON.stringify(x) === JSON.stringify(y);
}

export const isAnyFilter = (filter: MailingFilter): boolean => filter.operator_codes.length === 0 && filter.tags.length === 0;

/**
 * What the builder offers for a field: the facet values (most frequent first, as the API sends them) narrowed by a
 * search text, plus every chosen value the facets do not hold (typed in, or no client has it any more) first, so a
 * choice never disappears from view.
 */
export function filterOptions(facets: FacetValue[], selected: string[], search = ''): FilterOption[] {
  const needle = search.trim().toLowerCase();
  const known = new Set(facets.map((f) => f.value));
  const extra = selected.filter((v) => !known.has(v)).map((value) => ({ value, count: null, selected: true }));
  const offered = facets
    .filter((f) => needle === '' || f.value.toLowerCase().includes(needle) || selected.includes(f.value))
    .map((f) => ({ value: f.value, count: f.count, selected: selected.includes(f.value) }));
  return [...extra, ...offered];
}

/**
 * Values typed into the builder's "add" box: separated by commas or line breaks (tags may hold spaces; codes may be
 * separated by spaces too), trimmed, without duplicates of each other or of what is chosen; the ones the API would
 * refuse are returned apart so the box can name them.
 */
export function parseTypedValues(field: FilterField, input: string, chosen: string[] = []): { values: string[]; invalid: string[] } {
  const parts = input.split(field === 'operator_codes' ? /[\s,;]+/ : /[,\n]+/).map((p) => p.trim());
  const values: string[] = [];
  const invalid: string[] = [];
  for (const part of parts) {
    if (part === '' || values.includes(part) || chosen.includes(part)) continue;
    const ok = field === 'operator_codes' ? isOperatorCode(part) : part.length <= MAX_TAG_LENGTH && !part.includes('\u0000');
    (ok ? values : invalid).push(part);
  }
  return { values, invalid };
}

/**
 * An upper bound of the clients a filter addresses, from the facet counts alone (shown while the exact count loads):
 * the smaller of the chosen fields' sums, or the total when nothing is chosen. Null when a chosen value has no count.
 */
export function facetEstimate(filter: MailingFilter, facets: { operator_codes: FacetValue[]; tags: FacetValue[]; total: number }): number | null {
  let bound = facets.total;
  for (const field of ['operator_codes', 'tags'] as const) {
    if (filter[field].length === 0) continue;
    let sum = 0;
    for (const value of filter[field]) {
      const facet = facets[field].find((f) => f.value === value);
      if (!facet) return null;
      sum += facet.count;
    }
    bound = Math.min(bound, sum);
  }
  return bound;
}

/** The body of POST /clients/count for the preview (the same filter the mailing will be saved with). */
export const countBody = (filter: MailingFilter, byTimezone = true) => ({ ...normalizeFilter(filter), by_timezone: byTimezone });

/**
 * The field errors of a problem that belong to one filter field: `body.filter.tags` and `body.filter.tags.3` (with
 * the value it names, so the message can say which) both land next to the tags.
 */
export function filterFieldErrors(errors: { path: string; message: string }[], field: FilterField, filter: MailingFilter): { path: string; message: string; value?: string }[] {
  const prefix = `filter.${field}`;
  return errors
    .map((e) => ({ ...e, path: e.path.replace(/^body\./, '') }))
    .filter((e) => e.path === prefix || e.path.startsWith(`${prefix}.`))
    .map((e) => {
      const index = /\.(\d+)$/.exec(e.path);
      return index ? { ...e, value: filter[field][Number(index[1])] } : e;
    });
}
