// Dot paths into a parsed JSON body (`data.items`, `meta.next`, `results.0.id`): the only addressing the config needs.

/** '' (the value itself) or dot-separated keys; a numeric key indexes an array. */
export const DOT_PATH = /^$|^[^.\s]+(\.[^.\s]+)*$/;

export type JsonObject = Record<string, unknown>;

export const isJsonObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export type PathResult = { found: true; value: unknown } | { found: false; missing: string; parent: unknown };

/** The value at `path` in `root`; when a key is absent, which prefix was missing and what stood there instead. */
export function resolvePath(root: unknown, path: string): PathResult {
  if (path === '') return { found: true, value: root };
  let current = root;
  const keys = path.split('.');
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const next = Array.isArray(current) && /^\d+$/.test(key) ? current[Number(key)] : isJsonObject(current) && Object.hasOwn(current, key) ? current[key] : undefined;
    if (next === undefined) return { found: false, missing: keys.slice(0, i + 1).join('.'), parent: current };
    current = next;
  }
  return { found: true, value: current };
}

/** The value at `path`, or undefined when any step is missing. */
export const valueAt = (root: unknown, path: string): unknown => {
  const result = resolvePath(root, path);
  return result.found ? result.value : undefined;
};

/** A short description of a JSON value for error messages: 'an object with keys a, b', 'a string', 'null'. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, 8).join(', ');
    return `an object with keys ${shown}${keys.length > 8 ? `, ... (${keys.length} keys)` : ''}`;
  }
  return `a ${typeof value}`;
}

/** Why `path` does not lead to an array in `body`, in words (null when it does). */
export function whyNotArray(body: unknown, path: string): string | null {
  const result = resolvePath(body, path);
  if (!result.found) return `'${result.missing}' is not in the answer (found ${describeJson(result.parent)} there)`;
  return Array.isArray(result.value) ? null : `it leads to ${describeJson(result.value)}, not an array`;
}
