import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** JSON Schemas of user-registered event types: checked when registered, enforced on every posted payload. */
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

export interface SchemaProblem {
  path: string; // JSON pointer inside the payload ('' = the payload itself)
  message: string;
}

/** null when `schema` is a usable JSON Schema, else why not. */
export function schemaError(schema: Record<string, unknown>): string | null {
  try {
    ajv.compile(schema);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const compiled = new Map<string, ValidateFunction>();

/** Problems of `payload` against `schema` (compiled once per schema text). */
export function payloadProblems(schema: Record<string, unknown>, payload: unknown): SchemaProblem[] {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(key, validate);
  }
  if (validate(payload)) return [];
  return (validate.errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? `/${String((e.params as { missingProperty?: string }).missingProperty)}` : '';
    return { path: `${e.instancePath}${missing}`, message: e.message ?? 'is invalid' };
  });
}
