// The endpoint form's state and the request bodies built from it (pure: unit-tested in test/unit/console-webhooks.test.ts).
import type { Schemas } from '../../../client';

type Endpoint = Schemas['WebhookEndpoint'];
type CreateBody = Schemas['CreateWebhookEndpoint'];
type UpdateBody = Schemas['UpdateWebhookEndpoint'];

export interface HeaderRow {
  name: string;
  value: string;
}

export interface EndpointFormState {
  url: string;
  description: string;
  /** Filters ticked among those offered from the catalogue (types and prefixes such as mailing.*). */
  filters: string[];
  /** Further filters typed by hand, separated by commas, spaces or new lines. */
  otherFilters: string;
  headers: HeaderRow[];
  /** Text of the number inputs ('' = the API's default; for the rate limit, unlimited). */
  timeoutMs: string;
  rateLimit: string;
  /** Your own signing secret at creation ('' = generated). */
  secret: string;
  /** 'fifo': in publish order, one at a time. */
  ordering: 'none' | 'fifo';
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The filters a form offers from the event catalogue: every type, and a prefix (`mailing.*`,
 * `integration.sync.*`) wherever two or more types share it. Sorted, prefixes before the types they cover.
 */
export function offeredFilters(typeNames: string[]): string[] {
  const counts = new Map<string, number>();
  for (const name of typeNames) {
    const parts = name.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = `${parts.slice(0, i).join('.')}.*`;
      counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    }
  }
  const prefixes = [...counts].filter(([, n]) => n >= 2).map(([p]) => p);
  const sortKey = (f: string) => (f.endsWith('.*') ? f.slice(0, -2) : f);
  return [...new Set([...prefixes, ...typeNames])].sort((a, b) => {
    const [ka, kb] = [sortKey(a), sortKey(b)];
    if (ka !== kb) return ka < kb ? -1 : 1;
    return a.endsWith('.*') ? -1 : 1;
  });
}

/** The form for a new endpoint, or filled from one (`offered`: the filters shown as checkboxes). */
export function formFromEndpoint(endpoint: Endpoint | undefined, offered: string[]): EndpointFormState {
  const filters = endpoint?.event_types ?? [];
  const shown = new Set(offered);
  return {
    url: endpoint?.url ?? '',
    description: endpoint?.description ?? '',
    filters: filters.filter((f) => shown.has(f)),
    otherFilters: filters.filter((f) => !shown.has(f)).join(', '),
    headers: endpoint ? headerRows(endpoint) : [],
    timeoutMs: String(endpoint?.timeout_ms ?? DEFAULT_TIMEOUT_MS),
    rateLimit: endpoint?.rate_limit_per_s == null ? '' : String(endpoint.rate_limit_per_s),
    secret: '',
    ordering: endpoint?.ordering ?? 'none',
  };
}

/** Header rows as an operator sees them (values; '' where the value cannot be read) or a viewer (names only). */
export function headerRows(endpoint: Endpoint): HeaderRow[] {
  return endpoint.header_names.map((name) => ({ name, value: endpoint.headers?.[name] ?? '' }));
}

/** The ticked and typed filters, in that order, without repeats or blanks. Empty means every event. */
export function eventTypeFilters(state: Pick<EndpointFormState, 'filters' | 'otherFilters'>): string[] {
  const typed = state.otherFilters.split(/[\s,]+/).map((f) => f.trim());
  return [...new Set([...state.filters, ...typed].filter((f) => f !== ''))];
}

/** Header rows as the API's record: names trimmed, rows with neither name nor value left out (the API checks the rest). */
export function headersRecord(rows: HeaderRow[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (name === '' && row.value === '') continue;
    record[name] = row.value;
  }
  return record;
}

/** A whole-number input: null when empty; otherwise the number (a fraction or garbage goes through for the API to name). */
export function numberInput(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : Number.NaN;
}

export function createBody(state: EndpointFormState): CreateBody {
  const timeout = numberInput(state.timeoutMs);
  return {
    url: state.url.trim(),
    description: state.description.trim(),
    event_types: eventTypeFilters(state),
    headers: headersRecord(state.headers),
    timeout_ms: timeout ?? DEFAULT_TIMEOUT_MS,
    rate_limit_per_s: numberInput(state.rateLimit),
    ordering: state.ordering,
    enabled: true,
    ...(state.secret.trim() !== '' ? { secret: state.secret.trim() } : {}),
  };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameRecord = (a: Record<string, string | null>, b: Record<string, string | null>) =>
  sameList(Object.keys(a), Object.keys(b)) && Object.keys(a).every((k) => a[k] === b[k]);

/**
 * The PATCH body: only what changed (null when nothing did). Headers are sent whole when they changed, and never by
 * a viewer, who cannot see their values (the endpoint then has no `headers`). An unreadable value left empty is
 * dropped when the others are sent.
 */
export function updateBody(state: EndpointFormState, endpoint: Endpoint): UpdateBody | null {
  const body: UpdateBody = {};
  if (state.url.trim() !== endpoint.url) body.url = state.url.trim();
  if (state.description.trim() !== endpoint.description) body.description = state.description.trim();
  const filters = eventTypeFilters(state);
  if (!sameList(filters, endpoint.event_types)) body.event_types = filters;
  if (endpoint.headers !== undefined) {
    const current = endpoint.headers;
    // A value that cannot be read (null: sealed with another key) and was left empty is neither a change nor sent:
    // the form says to set it again, and sending '' would only hide that it is broken.
    const unreadable = (row: HeaderRow) => current[row.name.trim()] === null && row.value === '';
    const headers = headersRecord(state.headers.filter((row) => !unreadable(row)));
    const readable = Object.fromEntries(Object.entries(current).filter(([, v]) => v !== null));
    if (!sameRecord(headers, readable)) body.headers = headers;
  }
  const timeout = numberInput(state.timeoutMs) ?? DEFAULT_TIMEOUT_MS;
  if (timeout !== endpoint.timeout_ms) body.timeout_ms = timeout;
  const rate = numberInput(state.rateLimit);
  if (rate !== endpoint.rate_limit_per_s) body.rate_limit_per_s = rate;
  if (state.ordering !== endpoint.ordering) body.ordering = state.ordering;
  return Object.keys(body).length > 0 ? body : null;
}

/**
 * Field errors of the problem under a path prefix, keyed by the rest of the path: `prefix` 'headers' turns
 * `body.headers.x-tenant` into 'x-tenant', and `body.headers` itself into ''.
 */
export function errorsUnder(errors: { path: string; message: string }[], prefix: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const e of errors) {
    const path = e.path.replace(/^(body|query|params)\./, '');
    if (path !== prefix && !path.startsWith(`${prefix}.`)) continue;
    const rest = path.slice(prefix.length + 1);
    found.set(rest, [...(found.get(rest) ?? []), e.message]);
  }
  return found;
}
