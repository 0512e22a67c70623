import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * JSON Schemas of user-registered event types (draft 2020-12 semantics): checked when registered, enforced on every
 * posted payload. `$schema` and `$id` are dropped before compiling: types are looked up by name, never by id, so two
 * types may share an `$id` and re-registering one never clashes with a compiled copy.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false, addUsedSchema: false });
addFormats(ajv);

export interface SchemaProblem {
  path: string; // JSON pointer inside the payload ('' = the payload itself)
  message: string;
}

const anonymous = (schema: Record<string, unknown>): Record<string, unknown> => {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
};

const compiled = new Map<string, ValidateFunction>();

function compile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(anonymous(schema));
    if (compiled.size >= 1_000) compiled.delete(compiled.keys().next().value as string);
    compiled.set(key, validate);
  }
  return validate;
}

/** null when `schema` is a usable JSON Schema, else why not. */
export function schemaError(schema: Record<string, unknown>): string | null {
  try {
    compile(schema);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Problems of `payload` against `schema` (compiled once per schema text). */
export function payloadProblems(schema: Record<string, unknown>, payload: unknown): SchemaProblem[] {
  const validate = compile(schema);
  if (validate(payload)) return [];
  return (validate.errors ?? []).map((e) => {
    const missing = e.keyword === 'required' ? `/${String((e.params as { missingProperty?: string }).missingProperty)}` : '';
    return { path: `${e.instancePath}${missing}`, message: e.message ?? 'is invalid' };
  });
}
