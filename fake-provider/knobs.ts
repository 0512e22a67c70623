import { z } from 'zod';

/** A time window in epoch ms, half-open: [from, to). */
export interface Outage { from: number; to: number }

export interface FakeProviderKnobs {
  /** Added to every answer (ms). */
  latencyMs: number;
  /** Extra random 0..jitterMs added to every answer. */
  jitterMs: number;
  /** Share of requests answered 500; the message is NOT delivered. */
  errorRate: number;
  /** Share of requests delivered but never answered (socket held until the client gives up). */
  timeoutRate: number;
  /** Share of requests delivered but answered 200 with a non-JSON or wrong-shape body. */
  garbageRate: number;
  /** While now is inside one: answer 503, not delivered. */
  outages: Outage[];
  /** Same as being inside an outage right now. */
  down: boolean;
  /**
   * true (default): a msgId already delivered is not delivered again (the provider dedupes by id). false: every
   * accepted request is an SMS to the phone, as with a gateway that does not dedupe; duplicates show in deliveries().
   */
  dedupe: boolean;
  /**
   * The provider's own rate limit (requests per second, fixed one-second windows; 0 = none): requests past it get
   * 429 with `Retry-After: 1` and are not delivered.
   */
  rateLimitPerS: number;
}

export const DEFAULT_KNOBS: FakeProviderKnobs = Object.freeze({
  latencyMs: 0,
  jitterMs: 0,
  errorRate: 0,
  timeoutRate: 0,
  garbageRate: 0,
  outages: [],
  down: false,
  dedupe: true,
  rateLimitPerS: 0,
}) as FakeProviderKnobs;

const rate = z.number().min(0).max(1);
const ms = z.number().int().min(0).max(600_000);

const OutageSchema = z
  .object({ from: z.number().int(), to: z.number().int() })
  .strict()
  .refine((o) => o.to >= o.from, { message: 'outage "to" must be >= "from"' });

/** Partial knobs as accepted by configure() and POST /__control. Unknown keys are an error (typos must not pass silently). */
export const KnobsPatchSchema = z
  .object({
    latencyMs: ms,
    jitterMs: ms,
    errorRate: rate,
    timeoutRate: rate,
    garbageRate: rate,
    outages: z.array(OutageSchema).max(1_000),
    down: z.boolean(),
    dedupe: z.boolean(),
    rateLimitPerS: z.number().int().min(0).max(1_000_000),
  })
  .partial()
  .strict();

export type KnobsPatch = z.infer<typeof KnobsPatchSchema>;

/** Bodies served with HTTP 200 when a garbage answer is injected, rotated in order. */
export const GARBAGE_BODIES: readonly string[] = [
  'OK',
  '<html><body>502 Bad Gateway</body></html>',
  '{"code":0,"message":"OK"', // truncated JSON
  '{"status":"ok"}', // wrong shape: no code
  '{"code":"0","message":"OK"}', // code is a string
  'null',
  '[]',
  '', // empty body
];
