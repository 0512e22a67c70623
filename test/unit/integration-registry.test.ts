import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { RateLimitedError, UpstreamError } from '../../lib/integrations/errors';
import { fetchOnePage } from '../../lib/integrations/fetch-page';
import { createHttpClient } from '../../lib/integrations/http-client';
import type { Provider, SyncContext, SyncPage } from '../../lib/integrations/plugin';
import { recordHash, stableStringify } from '../../lib/integrations/record-hash';
import { loadPlugins, PluginLoadError, PLUGINS_DIR } from '../../lib/integrations/registry';
import { createLogger } from '../../lib/logger';

const folders = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();

describe('loadPlugins on plugins/', () => {
  const registry = loadPlugins();

  test('finds every credential type and provider, each under its folder name', () => {
    assert.deepEqual([...registry.credentialTypes.keys()].sort(), folders(path.join(PLUGINS_DIR, 'credentials')));
    assert.deepEqual([...registry.providers.keys()].sort(), folders(path.join(PLUGINS_DIR, 'providers')));
    for (const id of ['api-key', 'basic-auth', 'bearer-token']) assert.ok(registry.credentialTypes.has(id), id);
    for (const id of ['http-json', 'github-issues', 'sympla-events']) assert.ok(registry.providers.has(id), id);
    for (const [id, type] of registry.credentialTypes) assert.equal(type.id, id);
    for (const [id, provider] of registry.providers) {
      assert.equal(provider.id, id);
      for (const t of provider.credentialTypes) assert.ok(registry.credentialTypes.has(t), `${id} accepts known type ${t}`);
    }
  });

  test("every provider's configSchema and credential type's schemas convert with z.toJSONSchema", () => {
    const schemas: [string, z.ZodType][] = [
      ...[...registry.providers].map(([id, p]): [string, z.ZodType] => [`provider ${id} config`, p.configSchema]),
      ...[...registry.credentialTypes].flatMap(([id, t]): [string, z.ZodType][] => [
        [`credential ${id} public`, t.publicSchema],
        [`credential ${id} secret`, t.secretSchema],
      ]),
    ];
    assert.equal(schemas.length, registry.providers.size + 2 * registry.credentialTypes.size);
    for (const [name, schema] of schemas) {
      for (const io of ['input', 'output'] as const) {
        const json = z.toJSONSchema(schema, { io }) as { type?: string };
        assert.equal(json.type, 'object', `${name} (${io}) is an object schema`);
      }
    }
  });
});

describe('loadPlugins on broken plugin folders', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'relay-plugins-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const zod = JSON.stringify(require.resolve('zod'));
  let seq = 0;

  const credential = (id: string, exportName = 'plugin') => `
export const ${exportName} = {
  id: '${id}', name: '${id}', description: 'test',
  publicSchema: z.object({}), secretSchema: z.object({ token: z.string() }),
  validate: () => [], headers: () => ({}),
};`;
  const provider = (id: string, credentialTypes: string[], exportName = 'plugin') => `
export const ${exportName} = {
  id: '${id}', name: '${id}', category: 'generic', description: 'test',
  credentialTypes: ${JSON.stringify(credentialTypes)}, credentialRequired: false,
  configSchema: z.object({}), check: async () => {}, fetch: async function* () {}, normalize: () => ({ externalId: '1', data: {}, modifiedAt: null }),
};`;

  /** A plugins dir with these files (path relative to it → module body, zod imported). */
  function pluginsDir(files: Record<string, string>): string {
    const dir = path.join(root, `case-${++seq}`);
    for (const [file, body] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), `import { z } from ${zod};\nvoid z;\n${body}\n`);
    }
    return dir;
  }
  const good = { 'credentials/token/index.ts': credential('token'), 'providers/items/index.ts': provider('items', ['token']) };

  test('a well-formed temp folder loads; folders starting with _ or . are skipped even when broken', () => {
    const dir = pluginsDir({
      ...good,
      'credentials/_draft/notes.ts': 'export {};',
      'providers/.hidden/index.ts': provider('wrong-id', ['telepathy']),
      'providers/_wip/index.ts': `${provider('a', [])}\n${provider('b', [], 'other')}`,
    });
    const registry = loadPlugins(dir);
    assert.deepEqual([...registry.credentialTypes.keys()], ['token']);
    assert.deepEqual([...registry.providers.keys()], ['items']);
  });

  const broken: [string, Record<string, string>, RegExp][] = [
    ['a folder without index.ts', { ...good, 'providers/empty/readme.ts': 'export {};' }, /providers[/\\]empty has no index\.ts/],
    ['an id that differs from the folder name', { ...good, 'providers/named/index.ts': provider('other-name', []) }, /plugins\/providers\/named has id 'other-name'; it must be the folder's name/],
    ['a credential id that differs from the folder name', { ...good, 'credentials/basic/index.ts': credential('basic-auth') }, /plugins\/credentials\/basic has id 'basic-auth'/],
    ['a provider naming an unknown credential type', { ...good, 'providers/psychic/index.ts': provider('psychic', ['token', 'telepathy']) }, /provider 'psychic' accepts unknown credential types: telepathy$/],
    ['two plugin exports in one module', { ...good, 'providers/twins/index.ts': `${provider('twins', [])}\n${provider('twins', [], 'twin')}` }, /twins must export exactly one plugin \(found 2\)/],
    ['a module exporting no plugin', { ...good, 'credentials/nothing/index.ts': 'export const helper = 1;' }, /nothing must export exactly one plugin \(found 0\)/],
  ];
  for (const [name, files, message] of broken) {
    test(`${name} → PluginLoadError naming the folder`, () => {
      const dir = pluginsDir(files);
      assert.throws(() => loadPlugins(dir), (err: unknown) => {
        assert.ok(err instanceof PluginLoadError, String(err));
        assert.equal(err.name, 'PluginLoadError');
        assert.match(err.message, message);
        return true;
      });
    });
  }
});

describe('recordHash', () => {
  const at = new Date('2024-05-01T10:00:00Z');

  test('key order, at any depth, does not change the hash', () => {
    const a = { id: 1, name: 'x', nested: { b: 2, a: [1, { y: 1, x: 2 }] } };
    const b = { nested: { a: [1, { x: 2, y: 1 }], b: 2 }, name: 'x', id: 1 };
    assert.equal(stableStringify(a), stableStringify(b));
    assert.equal(recordHash(a, at), recordHash(b, new Date(at.getTime())));
    assert.equal(recordHash({ a: 1, gone: undefined }, null), recordHash({ a: 1 }, null), 'undefined fields are absent fields');
  });

  test('a changed value, array order or modifiedAt changes the hash', () => {
    const base = recordHash({ id: 1, tags: ['a', 'b'], n: { v: 1 } }, at);
    assert.notEqual(recordHash({ id: 1, tags: ['a', 'b'], n: { v: 2 } }, at), base);
    assert.notEqual(recordHash({ id: 1, tags: ['b', 'a'], n: { v: 1 } }, at), base);
    assert.notEqual(recordHash({ id: '1', tags: ['a', 'b'], n: { v: 1 } }, at), base, 'types count');
    assert.notEqual(recordHash({ id: 1, tags: ['a', 'b'], n: { v: 1 } }, new Date(at.getTime() + 1)), base);
    assert.notEqual(recordHash({ id: 1, tags: ['a', 'b'], n: { v: 1 } }, null), base);
    assert.match(base, /^[\w-]{43}$/, 'sha-256 in base64url');
  });
});

describe('fetchOnePage', () => {
  const ctx: SyncContext<unknown> = {
    config: {},
    credential: null,
    authHeaders: {},
    http: createHttpClient({ policy: { allowlist: ['127.0.0.1'], httpsOnly: false }, timeoutMs: 1_000 }),
    signal: new AbortController().signal,
    logger: createLogger('silent'),
  };

  /** A provider whose fetch is `pages`, counting pulled pages and whether the generator was closed. */
  function providerOf(pages: (cursor: string | null) => AsyncGenerator<unknown>): Provider & { seen: { cursor?: string | null } } {
    const seen: { cursor?: string | null } = {};
    return {
      id: 'fake', name: 'fake', category: 'generic', description: '', credentialTypes: [], credentialRequired: false,
      configSchema: z.object({}),
      check: async () => {},
      fetch: (_ctx, cursor) => {
        seen.cursor = cursor;
        return pages(cursor) as AsyncIterable<SyncPage>;
      },
      normalize: () => ({ externalId: '1', data: {}, modifiedAt: null }),
      seen,
    };
  }

  test('an empty generator means nothing new: no records, the cursor kept, no more', async () => {
    const p = providerOf(async function* () {});
    assert.deepEqual(await fetchOnePage(p, ctx, 'c-41'), { records: [], nextCursor: 'c-41', hasMore: false });
    assert.equal(p.seen.cursor, 'c-41');
    assert.deepEqual(await fetchOnePage(p, ctx, null), { records: [], nextCursor: null, hasMore: false });
  });

  test('takes only the first page and calls the generator’s return()', async () => {
    let pulled = 0;
    let closed = false;
    const p = providerOf(async function* () {
      try {
        for (let i = 1; i <= 3; i++) {
          pulled++;
          yield { records: [{ i }], nextCursor: `c${i}`, hasMore: i < 3 };
        }
      } finally {
        closed = true;
      }
    });
    assert.deepEqual(await fetchOnePage(p, ctx, null), { records: [{ i: 1 }], nextCursor: 'c1', hasMore: true });
    assert.equal(pulled, 1);
    assert.equal(closed, true);
  });

  const malformed: [string, unknown, RegExp][] = [
    ['records not an array', { records: 'x', nextCursor: null, hasMore: false }, /malformed page/],
    ['hasMore missing', { records: [], nextCursor: null }, /malformed page/],
    ['a numeric cursor', { records: [], nextCursor: 7, hasMore: false }, /malformed page/],
    ['more without a cursor', { records: [], nextCursor: null, hasMore: true }, /said there is more but gave no cursor/],
  ];
  for (const [name, page, message] of malformed) {
    test(`a malformed page (${name}) is a non-retryable UpstreamError, and the generator is still closed`, async () => {
      let closed = false;
      const p = providerOf(async function* () {
        try {
          yield page;
          yield { records: [], nextCursor: null, hasMore: false };
        } finally {
          closed = true;
        }
      });
      await assert.rejects(fetchOnePage(p, ctx, null), (err: unknown) => {
        assert.ok(err instanceof UpstreamError, String(err));
        assert.equal(err.retryable, false);
        assert.match(err.message, message);
        assert.match(err.message, /provider 'fake'/);
        return true;
      });
      assert.equal(closed, true);
    });
  }

  test("the provider's own typed errors pass through unchanged", async () => {
    const limited = new RateLimitedError('429', 5_000);
    const p = providerOf(async function* () {
      throw limited;
    });
    await assert.rejects(fetchOnePage(p, ctx, 'c'), (err: unknown) => err === limited);
  });
});
