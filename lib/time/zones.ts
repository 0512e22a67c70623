/**
 * The time zones the API takes: the canonical IANA names this runtime knows (Intl.supportedValuesOf) plus UTC and
 * Etc/UTC, matched exactly. The same list is the OpenAPI enum, so what the document promises is what is accepted;
 * aliases and other spellings (etc/utc, Europe/Kyiv where the runtime says Europe/Kiev) are refused rather than
 * silently stored under a second name.
 */
export const TIME_ZONES: readonly string[] = [...new Set(['UTC', 'Etc/UTC', ...Intl.supportedValuesOf('timeZone')])].sort();

const KNOWN = new Set(TIME_ZONES);

export const isKnownTimeZone = (tz: string): boolean => KNOWN.has(tz);
