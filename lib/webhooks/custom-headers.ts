// An endpoint's custom headers: what a name and a value may be (what Node's HTTP client will send), and their values
// sealed at rest with the secret box, as signing secrets are. Names stay readable: viewers see them, never the values.
import { SecretBoxError, type SecretBox } from '../crypto/secret-box';

/** An RFC 9110 field name (a `token`): what Node's http.validateHeaderName accepts. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node's http.validateHeaderValue accepts: tab, printable ASCII and Latin-1 (no control characters, no DEL). */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_HEADER_NAME_LENGTH = 100;
export const MAX_HEADER_VALUE_LENGTH = 4096;

/**
 * Headers Relay sets itself (the Standard Webhooks trio, the body's framing) or that change how the request travels:
 * an endpoint cannot override them. Compared lower-cased.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'webhook-id', 'webhook-timestamp', 'webhook-signature',
  'content-type', 'content-length', 'content-encoding', 'transfer-encoding',
  'host', 'connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer', 'expect',
]);

/** Header name → value as the API takes and shows them. */
export type PlainHeaders = Record<string, string>;
/** Header name → value sealed by SecretBox (`v1.<key id>...`): the form stored in `webhook_endpoints.sealed_headers`. */
export type SealedHeaders = Record<string, string>;

/** Why `name` cannot be a custom header (null when it can); `others` are the names already taken. Length aside. */
export function headerNameProblem(name: string, others: readonly string[] = []): string | null {
  if (!HEADER_NAME.test(name)) return "must be a header name: letters, digits and !#$%&'*+-.^_`|~ only";
  if (RESERVED_HEADERS.has(name.toLowerCase())) return 'is set by Relay and cannot be overridden';
  const twin = others.find((other) => other !== name && other.toLowerCase() === name.toLowerCase());
  if (twin !== undefined) return `repeats the header ${twin} (header names are case-insensitive)`;
  return null;
}

/**
 * Why stored headers cannot be sent as they are (null when they can): the API's rules again, for rows saved before
 * those rules or written behind the API's back. Lengths are not judged here: a long value is still sendable.
 */
export function sendableHeadersProblem(headers: PlainHeaders): string | null {
  const names = Object.keys(headers);
  for (const [name, value] of Object.entries(headers)) {
    const nameProblem = headerNameProblem(name, names);
    if (nameProblem !== null) return `the custom header name ${JSON.stringify(name)} ${nameProblem}`;
    if (typeof value !== 'string' || !HEADER_VALUE.test(value)) return `the value of the custom header ${name} ${HEADER_VALUE_MESSAGE}`;
  }
  return null;
}

export const HEADER_VALUE_MESSAGE = 'must be tab, printable ASCII or Latin-1 characters (U+0020-U+007E, U+0080-U+00FF): no control characters, no DEL, nothing above U+00FF';

export function sealHeaders(box: SecretBox, headers: PlainHeaders): SealedHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, box.seal(value)]));
}

/** The stored columns a header map is read from: sealed values, and plain ones written before they were sealed. */
export interface StoredHeaders {
  sealed_headers: Record<string, string>;
  /** Rows from before 2026-12-03 until the API's boot step seals them (see lib/db/webhook-endpoint.repository.ts). */
  legacy_plain_headers: Record<string, string>;
}

export interface OpenedHeaders {
  headers: PlainHeaders;
  /** Names whose sealed value does not open (another ENCRYPTION_KEY sealed it), with why. */
  unreadable: { name: string; reason: string }[];
}

/**
 * The endpoint's header values in clear. Both stored forms are read, so a plain value the boot step has not sealed
 * yet is still sent and shown (a sealed value of the same name wins: it was written later).
 */
export function openHeaders(box: SecretBox, row: StoredHeaders): OpenedHeaders {
  const headers: PlainHeaders = { ...row.legacy_plain_headers };
  const unreadable: OpenedHeaders['unreadable'] = [];
  for (const [name, sealed] of Object.entries(row.sealed_headers)) {
    try {
      headers[name] = box.open(sealed);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      delete headers[name];
      unreadable.push({ name, reason: err.message });
    }
  }
  return { headers, unreadable };
}

/** The names of the endpoint's custom headers, in case-insensitive order (jsonb keeps no order); no value is opened. */
export const headerNames = (row: StoredHeaders): string[] =>
  [...new Set([...Object.keys(row.legacy_plain_headers), ...Object.keys(row.sealed_headers)])].sort((a, b) =>
    a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0,
  );
