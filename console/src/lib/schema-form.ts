// Forms generated from the API's JSON Schemas (plugin configs, credential fields) with rjsf: the schema made ready to
// render, the data made ready to send (what equals a default is left to the API, which applies defaults itself), and
// the API's problem+json field errors placed on the generated field they name. Pure functions: unit-tested in
// test/unit/console-integrations-schema.test.ts.
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import { addToErrorSchema } from './schema-validator';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Key-order-independent JSON, to compare configs. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isObj(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
const same = (a: unknown, b: unknown): boolean => stableStringify(a) === stableStringify(b);

/** The const that tells a oneOf branch apart ({type: {const: 'page'}} -> ['type', 'page']), if it has one. */
function discriminator(branch: unknown): [string, unknown] | null {
  if (!isObj(branch) || !isObj(branch.properties)) return null;
  for (const [key, prop] of Object.entries(branch.properties)) if (isObj(prop) && 'const' in prop) return [key, prop.const];
  return null;
}

/** The oneOf branch `data` chose by its discriminator (or the only one), else undefined. */
function branchFor(schema: Obj, data: unknown): Obj | undefined {
  const options = (Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : []).filter(isObj);
  return options.find((o) => {
    const d = discriminator(o);
    return d !== null && isObj(data) && same(data[d[0]], d[1]);
  });
}

/** The schema that describes property `key` of an object schema (also through additionalProperties and oneOf). */
function childSchema(schema: Obj, key: string, data: unknown): Obj | undefined {
  const branch = branchFor(schema, data);
  if (branch) return childSchema(branch, key, data);
  if (isObj(schema.properties) && isObj(schema.properties[key])) return schema.properties[key];
  if (schema.type === 'array' && /^\d+$/.test(key) && isObj(schema.items)) return schema.items;
  if (isObj(schema.additionalProperties)) return schema.additionalProperties;
  return undefined;
}

/** Takes `default` out of a schema and its sub-schemas, saying it in the description instead. */
function withoutDefaults(schema: Obj, defaultWord: (value: string) => string): Obj {
  const out: Obj = { ...schema };
  if ('default' in out) {
    const shown = typeof out.default === 'string' ? out.default : JSON.stringify(out.default);
    if (shown !== '' && shown !== '{}') out.description = [out.description, defaultWord(shown)].filter(Boolean).join(' ');
    delete out.default;
  }
  if (isObj(out.properties)) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, isObj(v) ? withoutDefaults(v, defaultWord) : v]));
  return out;
}

/**
 * The schema as rjsf should render it: without $schema (rjsf's own meta-schema handling is draft-07), each oneOf
 * option titled by its discriminator ("page", "cursor") instead of "Option 2", and the defaults inside an optional
 * object that has none of its own moved into descriptions (otherwise rjsf fills such an object with them, and an
 * object the user never asked for, e.g. http-json's `since`, fails for its missing required fields).
 */
export function prepareSchema(schema: Record<string, unknown>, defaultWord: (value: string) => string = (v) => `Default: ${v}.`): RJSFSchema {
  const walk = (node: Obj): Obj => {
    const out: Obj = { ...node };
    delete out.$schema;
    for (const key of ['oneOf', 'anyOf'] as const) {
      const list = out[key];
      if (Array.isArray(list)) {
        out[key] = list.map((o) => {
          if (!isObj(o)) return o;
          const d = discriminator(o);
          return walk({ ...(d && !o.title ? { title: String(d[1]) } : {}), ...o });
        });
      }
    }
    if (isObj(out.properties)) {
      const required = new Set(Array.isArray(out.required) ? out.required : []);
      out.properties = Object.fromEntries(
        Object.entries(out.properties).map(([k, v]) => {
          if (!isObj(v)) return [k, v];
          const optionalObject = !required.has(k) && v.type === 'object' && !('default' in v) && isObj(v.properties);
          return [k, walk(optionalObject ? withoutDefaults(v, defaultWord) : v)];
        }),
      );
    }
    if (isObj(out.items)) out.items = walk(out.items);
    if (isObj(out.additionalProperties)) out.additionalProperties = walk(out.additionalProperties);
    return out;
  };
  return walk(schema) as RJSFSchema;
}

/**
 * uiSchema hiding the discriminator of each oneOf (http-json's pagination.type): the option picker above it already
 * sets it, and rjsf would otherwise show it as an editable text box.
 */
export function discriminatorUiSchema(schema: RJSFSchema): UiSchema {
  const walk = (node: Obj): UiSchema => {
    const ui: UiSchema = {};
    const options = Array.isArray(node.oneOf) ? node.oneOf : Array.isArray(node.anyOf) ? node.anyOf : [];
    for (const option of options) {
      const d = discriminator(option);
      if (d) ui[d[0]] = { 'ui:widget': 'hidden' };
    }
    if (isObj(node.properties)) {
      for (const [key, prop] of Object.entries(node.properties)) {
        if (!isObj(prop)) continue;
        const inner = walk(prop);
        if (Object.keys(inner).length > 0) ui[key] = inner;
      }
    }
    return ui;
  };
  return walk(schema as Obj);
}

/** uiSchema for write-only fields: every string is a password input the browser does not autofill. */
export function secretUiSchema(schema: RJSFSchema, placeholder?: string): UiSchema {
  const ui: UiSchema = {};
  const props = isObj(schema.properties) ? schema.properties : {};
  for (const [key, prop] of Object.entries(props)) {
    if (isObj(prop) && prop.type === 'string') ui[key] = { 'ui:widget': 'password', 'ui:autocomplete': 'new-password', ...(placeholder ? { 'ui:placeholder': placeholder } : {}) };
  }
  return ui;
}

/** The schema with nothing required (editing write-only fields: left empty means "keep what is stored"). */
export function withoutRequired(schema: RJSFSchema): RJSFSchema {
  const { required: _dropped, ...rest } = schema as RJSFSchema & { required?: string[] };
  return rest as RJSFSchema;
}

/**
 * The form's data as it should be sent: values equal to their schema default, undefined values, empty strings of
 * optional fields and optional objects left empty are dropped (the API applies defaults itself, and a later plugin
 * default then applies too). Required properties are always kept.
 */
export function pruneForSubmit(schema: RJSFSchema, data: unknown): unknown {
  const prune = (node: Obj, value: unknown): unknown => {
    if (!isObj(value)) return value;
    const branch = branchFor(node, value);
    const effective = branch ? { ...node, ...branch, properties: { ...(isObj(node.properties) ? node.properties : {}), ...(isObj(branch.properties) ? branch.properties : {}) } } : node;
    const required = new Set([...(Array.isArray(effective.required) ? effective.required : []), ...(branch && Array.isArray(branch.required) ? branch.required : [])]);
    const out: Obj = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const child = childSchema(effective, key, value);
      if (required.has(key)) {
        out[key] = child ? prune(child, v) : v;
        continue;
      }
      if (child && 'default' in child && same(child.default, v)) continue;
      if (v === '' && !(child && 'const' in child)) continue;
      const pruned = child ? prune(child, v) : v;
      if (isObj(pruned) && Object.keys(pruned).length === 0 && !(child && 'default' in child && !same(child.default, {}))) continue;
      out[key] = pruned;
    }
    return out;
  };
  const pruned = prune(schema as Obj, data);
  return isObj(pruned) ? pruned : {};
}

/** Whether the edited data differs from the stored data, defaults aside (an untouched form sends nothing). */
export const changedFrom = (schema: RJSFSchema, stored: unknown, edited: unknown): boolean => !same(pruneForSubmit(schema, stored), pruneForSubmit(schema, edited));

/** Whether a path (inside the form's data) names a field rjsf renders for `data`. */
export function rendersField(schema: RJSFSchema, path: string[], data: unknown): boolean {
  let node: Obj | undefined = schema as Obj;
  let value: unknown = data;
  for (const key of path) {
    if (!node) return false;
    node = childSchema(node, key, value);
    value = isObj(value) ? value[key] : undefined;
  }
  return node !== undefined;
}

export interface PlacedErrors {
  /** For rjsf's extraErrors: the messages under the fields they name. */
  errorSchema: ErrorSchema;
  /** The problem's paths (without `body.`) shown that way, for ProblemAlert's `shown`. */
  shown: string[];
}

/**
 * The problem+json errors under `prefix` (e.g. 'config' for body.config.base_url) that name a field the form renders,
 * as an rjsf ErrorSchema; the others (unknown keys, the object itself) are left for the ProblemAlert.
 */
export function placeProblemErrors(errors: readonly { path: string; message: string }[], prefix: string, schema: RJSFSchema, data: unknown): PlacedErrors {
  const errorSchema: ErrorSchema = {};
  const shown: string[] = [];
  for (const e of errors) {
    const path = e.path.replace(/^(body|query|params)\./, '');
    if (!path.startsWith(`${prefix}.`)) continue;
    const inside = path.slice(prefix.length + 1).split('.');
    if (!rendersField(schema, inside, data)) continue;
    addToErrorSchema(errorSchema, inside, e.message);
    shown.push(path);
  }
  return { errorSchema, shown };
}
