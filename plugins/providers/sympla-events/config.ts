// The sympla-events provider's configuration, rendered by a UI from z.toJSONSchema (hence .describe() everywhere).
import { z } from 'zod';

/** Sympla's `from`: a date, or a date and time (São Paulo local time, as Sympla writes its dates). */
export const SYMPLA_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])( ([01]\d|2[0-3]):[0-5]\d:[0-5]\d)?$/;

export const DEFAULT_BASE_URL = 'https://api.sympla.com.br';

export const configSchema = z
  .object({
    base_url: z
      .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
      .default(DEFAULT_BASE_URL)
      .describe('The API root; the default is Sympla\'s public API.'),
    page_size: z.number().int().min(1).max(200).default(100).describe('Events per request (Sympla allows at most 200).'),
    from: z
      .string()
      .regex(SYMPLA_DATE, 'must be a date as YYYY-MM-DD or YYYY-MM-DD HH:mm:ss')
      .optional()
      .describe('Only events starting at or after this date (YYYY-MM-DD or YYYY-MM-DD HH:mm:ss); leave empty for all events.'),
    published_only: z
      .boolean()
      .default(true)
      .describe('Only published events (Sympla\'s default); off: unpublished events too.'),
  })
  .strict()
  .describe('Every event of the Sympla account that owns the token. Sympla has no "changed since" filter: each run reads all events and Relay keeps only the changes.');

export type SymplaEventsConfig = z.infer<typeof configSchema>;

export const eventsUrl = (config: SymplaEventsConfig): string => `${config.base_url.replace(/\/+$/, '')}/public/v3/events`;
