import type { z } from 'zod';
import { ProviderConfigError } from './errors';

/**
 * A provider's saved cursor (JSON) read back with the schema it was written by. A cursor the provider cannot read
 * (written by another version, edited by hand) fails the run with the way out, instead of quietly starting over.
 */
export function readJsonCursor<T>(raw: string, schema: z.ZodType<T>, providerId: string): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ProviderConfigError(`the saved cursor is not one ${providerId} writes (${raw.slice(0, 80)}): a full resync (POST /integrations/{id}/resync) starts over`);
  }
  return parsed.data;
}
