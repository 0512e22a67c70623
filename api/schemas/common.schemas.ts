import { isKnownTimeZone, TIME_ZONES } from '../../lib/time/zones';
import { z } from '../openapi';

/** Ids are bigserial columns, but the API carries them as JSON numbers: the safe-integer range is the real limit. */
export const MAX_ID = Number.MAX_SAFE_INTEGER;

/**
 * A whole number written in a path or query string: plain decimal digits only (no sign, spaces, leading zeros,
 * exponent or hex), within [min, max]. Documented as an integer with its range, so generated clients and fuzzers
 * send exactly what is accepted.
 */
export function decimalInteger(options: { min: number; max: number; description?: string; example?: number }) {
  const { min, max } = options;
  const digits = min === 0 ? /^(0|[1-9][0-9]*)$/ : /^[1-9][0-9]*$/;
  return z
    .string()
    .max(16, `must be a whole number from ${min} to ${max}`)
    .regex(digits, `must be a whole number from ${min} to ${max} in plain decimal digits`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .openapi({ type: 'integer', minimum: min, maximum: max, description: options.description, example: options.example ?? min });
}

export const idParam = (name: string, description?: string) =>
  decimalInteger({ min: 1, max: MAX_ID, description }).openapi({ param: { name, in: 'path' }, example: 1 });

export const IdParams = z.object({ id: idParam('id') });

export const PaginationQuery = {
  limit: decimalInteger({ min: 1, max: 500, description: 'Page size (1-500)', example: 50 }).default(50),
  cursor: decimalInteger({ min: 0, max: MAX_ID, description: 'next_cursor from the previous page' }).optional(),
};

export const page = <T extends z.ZodType>(item: T, name: string) =>
  z.object({ items: z.array(item), next_cursor: z.number().int().nullable() }).openapi(name);

/** Cursor pagination in id order: next_cursor is the last id when the page is full. */
export function toPage<T extends { id: number }, R>(rows: T[], limit: number, present: (row: T) => R) {
  return { items: rows.map(present), next_cursor: rows.length === limit ? rows[rows.length - 1].id : null };
}

/** The instants the API takes: every stored time and every timer the workflows set fits comfortably in between. */
export const MIN_INSTANT = Date.UTC(1970, 0, 1);
export const MAX_INSTANT = Date.UTC(2200, 0, 1);
const YEAR_PATTERN = '^(19[7-9][0-9]|2[01][0-9]{2})-';
const DATE_TIME_MESSAGE = 'must be an RFC 3339 date-time with offset, e.g. 2026-12-01T09:00:00Z';

/**
 * An RFC 3339 date-time with an offset (any offset up to ±23:59, as RFC 3339 allows), from 1970 up to 2199. The value
 * handed on is normalised to UTC (`toISOString()`), so PostgreSQL (which refuses offsets past ±15:59) and the
 * workflows only ever see instants they can hold.
 */
export const isoDate = (description: string) =>
  z
    .string()
    .max(64, DATE_TIME_MESSAGE)
    .transform((value) => value.toUpperCase()) // RFC 3339 allows a lower-case t and z
    .pipe(z.iso.datetime({ offset: true, message: DATE_TIME_MESSAGE }))
    .transform((value, ctx) => {
      const at = Date.parse(value);
      if (!Number.isFinite(at) || at < MIN_INSTANT || at >= MAX_INSTANT) {
        ctx.addIssue({ code: 'custom', message: 'must be between 1970-01-01T00:00:00Z and 2199-12-31T23:59:59Z' });
        return z.NEVER;
      }
      return new Date(at).toISOString();
    })
    .openapi({ type: 'string', format: 'date-time', pattern: YEAR_PATTERN, description: `${description} (RFC 3339, years 1970-2199; normalised to UTC)` });

/**
 * A PATCH body: strict (an unknown key is an error naming it) and at least one field. The "at least one" rule only
 * speaks when nothing else is wrong, so `{"colour": 1}` is reported as an unknown key and not also as empty.
 */
export function patchBody<T extends z.ZodRawShape>(shape: T, name: string, description?: string) {
  return z
    .object(shape)
    .strict()
    .refine((body) => Object.values(body).some((v) => v !== undefined), {
      message: 'give at least one field to change',
      when: (payload) => payload.issues.length === 0,
    })
    .openapi(name, { minProperties: 1, ...(description ? { description } : {}) });
}

/** An IANA time zone name, exactly as listed (the OpenAPI component TimeZone enumerates them). */
export const timeZone = () =>
  z
    .string()
    .max(64, 'must be an IANA time zone such as Europe/Moscow')
    .refine(isKnownTimeZone, 'must be an IANA time zone such as Europe/Moscow')
    .openapi('TimeZone', { type: 'string', enum: [...TIME_ZONES], example: 'Europe/Moscow' });
