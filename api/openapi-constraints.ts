// What the API refuses in every request, stated in the OpenAPI document (so clients and fuzzers know it), applied to
// the generated document in one place rather than repeated on each zod schema.
//
// - No string that reaches the database may hold a NUL character (PostgreSQL refuses it; input-guard.ts answers 400):
//   every request-side string without a stricter pattern, enum or format gets the pattern below, and every free-form
//   object (an arbitrary JSON value: payloads, configs, credential fields) is described as JsonValue, whose strings
//   and keys are NUL-free all the way down.

export const NO_NUL_PATTERN = '^[^\\u0000]*$';

type Schema = Record<string, unknown>;
/** The generated OpenAPI document, as far as this file reads it (every level checked as it is walked). */
type Document = { components?: unknown; paths?: unknown };

const JSON_VALUE_REF = '#/components/schemas/JsonValue';

/** Any JSON value whose strings and keys hold no NUL character. */
const JSON_VALUE: Schema = {
  description: 'Any JSON value; no string or key may contain the NUL character',
  anyOf: [
    { type: 'string', pattern: NO_NUL_PATTERN },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: { $ref: JSON_VALUE_REF } },
    { type: 'object', propertyNames: { pattern: NO_NUL_PATTERN }, additionalProperties: { $ref: JSON_VALUE_REF } },
  ],
};

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);
const VALUE_KEYWORDS = ['type', 'anyOf', 'oneOf', 'allOf', 'enum', 'const', '$ref', 'properties', 'items', 'not'];
/** A schema that says nothing about the value (only annotations): any JSON value. */
const isUnconstrained = (s: Schema): boolean => !VALUE_KEYWORDS.some((k) => k in s);

function constrain(schema: Schema, doc: Document, seen: Set<Schema>): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = componentSchemas(doc)[name];
    if (isObject(target)) constrain(target, doc, seen);
    return;
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('string') && !('pattern' in schema) && !('enum' in schema) && !('const' in schema)) {
    schema.pattern = NO_NUL_PATTERN;
  }
  if (types.includes('object')) {
    const extra = schema.additionalProperties;
    if (extra === true || (isObject(extra) && isUnconstrained(extra))) schema.additionalProperties = { $ref: JSON_VALUE_REF };
    if (extra !== false && !('propertyNames' in schema)) schema.propertyNames = { pattern: NO_NUL_PATTERN };
  }
  for (const key of ['properties', 'patternProperties', '$defs']) {
    const children = schema[key];
    if (isObject(children)) {
      for (const [name, child] of Object.entries(children)) {
        if (!isObject(child)) continue;
        if (isUnconstrained(child)) children[name] = { ...child, $ref: JSON_VALUE_REF };
        else constrain(child, doc, seen);
      }
    }
  }
  for (const key of ['items', 'additionalProperties', 'not', 'propertyNames']) {
    const child = schema[key];
    if (isObject(child)) constrain(child, doc, seen);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    const list = schema[key];
    if (Array.isArray(list)) for (const child of list) if (isObject(child)) constrain(child, doc, seen);
  }
}

function componentSchemas(doc: Document): Schema {
  const components = isObject(doc.components) ? doc.components : {};
  return isObject(components.schemas) ? components.schemas : {};
}

/** Adds the request-wide constraints to every parameter and request body of the document (in place). */
export function addRequestConstraints<D extends Document>(doc: D): D {
  if (!isObject(doc.components)) doc.components = {};
  const components = doc.components as Schema;
  if (!isObject(components.schemas)) components.schemas = {};
  (components.schemas as Schema).JsonValue = JSON_VALUE;
  const seen = new Set<Schema>([JSON_VALUE]);
  for (const methods of Object.values(isObject(doc.paths) ? doc.paths : {})) {
    if (!isObject(methods)) continue;
    for (const operation of Object.values(methods)) {
      if (!isObject(operation)) continue;
      for (const parameter of (operation.parameters as Schema[] | undefined) ?? []) {
        if (isObject(parameter.schema)) constrain(parameter.schema, doc, seen);
      }
      const content = (operation.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
      for (const media of Object.values(content ?? {})) {
        if (!isObject(media.schema)) continue;
        if (isUnconstrained(media.schema)) media.schema = { ...media.schema, $ref: JSON_VALUE_REF };
        else constrain(media.schema, doc, seen);
      }
    }
  }
  return doc;
}
