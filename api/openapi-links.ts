// OpenAPI links from each create operation to the operations on what it created: `POST /clients` answers 201 with an
// `id`, which `GET/PATCH/DELETE /clients/{id}` and `/clients/{id}/...` take. Generated clients and stateful fuzzers
// (schemathesis) follow them to real resources instead of guessing ids.

type Node = Record<string, unknown>;
const isObject = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (path: string): string => path.replace(/~/g, '~0').replace(/\//g, '~1');

/** Whether a response schema (possibly a $ref to a component) has an `id` property. */
function answersWithId(schema: unknown, components: Node): boolean {
  if (!isObject(schema)) return false;
  const resolved = typeof schema.$ref === 'string' ? components[schema.$ref.replace('#/components/schemas/', '')] : schema;
  return isObject(resolved) && isObject(resolved.properties) && 'id' in resolved.properties;
}

/** Adds `links` to every 201 answer carrying an id, pointing at the operations under `<path>/{id}`. In place. */
export function addCreateLinks<D extends { paths?: unknown; components?: unknown }>(doc: D): D {
  const paths = isObject(doc.paths) ? doc.paths : {};
  const components = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  for (const [path, methods] of Object.entries(paths)) {
    const created = isObject(methods) && isObject(methods.post) && isObject(methods.post.responses) ? methods.post.responses['201'] : undefined;
    if (!isObject(created) || !isObject(created.content)) continue;
    const json = created.content['application/json'];
    if (!isObject(json) || !answersWithId(json.schema, components)) continue;
    const links: Node = {};
    for (const [target, targetMethods] of Object.entries(paths)) {
      if (!target.startsWith(`${path}/{id}`) || !isObject(targetMethods)) continue;
      for (const method of Object.keys(targetMethods)) {
        const name = `${method}${target.slice(path.length).replace(/[{}]/g, '').replace(/\//g, '_')}`;
        links[name] = { operationRef: `#/paths/${pointer(target)}/${method}`, parameters: { id: '$response.body#/id' } };
      }
    }
    if (Object.keys(links).length > 0) created.links = links;
  }
  return doc;
}
