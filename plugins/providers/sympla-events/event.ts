// The answer of Sympla's "Listar eventos" (GET /public/v3/events) and how one event is stored.
// Sympla leaves null fields out of its answers, so every field but the id may be missing.
import { z } from 'zod';
import type { NormalizedRecord } from '../../../lib/integrations/plugin';

/** Sympla writes flags as 1/0 (older answers: true/false). */
const flag = z.union([z.boolean(), z.number()]).nullish();
const named = z.object({ name: z.string().nullish() }).loose().nullish();

export const eventSchema = z.object({
  id: z.number().int(),
  reference_id: z.number().int().nullish(),
  name: z.string().nullish(),
  start_date: z.string().nullish(),
  end_date: z.string().nullish(),
  url: z.string().nullish(),
  image: z.string().nullish(),
  published: flag,
  cancelled: flag,
  private_event: flag,
  address: z.record(z.string(), z.unknown()).nullish(),
  host: z.object({ name: z.string().nullish(), description: z.string().nullish() }).loose().nullish(),
  category_prim: named,
  category_sec: named,
});

export const eventListSchema = z.object({
  data: z.array(eventSchema),
  pagination: z.object({
    has_next: z.boolean(),
    has_prev: z.boolean().optional(),
    quantity: z.number().optional(),
    offset: z.number().optional(),
    page: z.number().optional(),
    page_size: z.number().optional(),
    total_page: z.number().optional(),
  }),
});

export type SymplaEvent = z.infer<typeof eventSchema>;

const bool = (value: boolean | number | null | undefined): boolean | null => (value === null || value === undefined ? null : Boolean(value));

/** The record Relay stores. Sympla says nothing about when an event last changed: modifiedAt is null. */
export function normalizeEvent(event: SymplaEvent): NormalizedRecord {
  return {
    externalId: String(event.id),
    modifiedAt: null,
    data: {
      id: event.id,
      reference_id: event.reference_id ?? null,
      name: event.name ?? null,
      start_date: event.start_date ?? null,
      end_date: event.end_date ?? null,
      url: event.url ?? null,
      image: event.image ?? null,
      published: bool(event.published),
      cancelled: bool(event.cancelled),
      private_event: bool(event.private_event),
      address: event.address ?? null,
      host: event.host ? { name: event.host.name ?? null, description: event.host.description ?? null } : null,
      category_prim: event.category_prim?.name ?? null,
      category_sec: event.category_sec?.name ?? null,
    },
  };
}
