// A scripted in-memory provider for sync workflow tests, injected with startWorker({ plugins }). One provider serves
// every test: each integration's config names a script registered by its test, which decides how many pages the
// upstream has and what happens on check and on each page (throw a typed error, wait on a gate, count calls).
import { z } from 'zod';
import { defineProvider, type NormalizedRecord, type Provider, type SyncPage } from '../../lib/integrations/plugin';
import { loadPlugins, type PluginRegistry } from '../../lib/integrations/registry';

export const SCRIPTED_PROVIDER_ID = 'scripted';

export interface Script {
  /** How many pages the upstream has (each page `n` holds records item-<n>-<i>). */
  pages: number;
  recordsPerPage?: number;
  /** Part of every record's data: change it between runs to make the records change upstream. */
  version?: number;
  /** Runs before the check succeeds, with the 1-based call number; throw to fail the check. */
  onCheck?: (call: number) => void | Promise<void>;
  /** Runs before page `page` (1-based) is yielded, with the call number for that page; throw to fail, await to slow. */
  onPage?: (page: number, call: number) => void | Promise<void>;
}

export interface ScriptCalls {
  checks: number;
  /** Fetches per page number (a retry counts again). */
  pages: Map<number, number>;
  /** Times a generator was closed (return() or finished). */
  closed: number;
}

export interface RawItem {
  id: string;
  page: number;
  i: number;
  name: string;
  version: number;
}

/** The cursor after the last page: an incremental run from it finds nothing new. */
export const finalCursor = (pages: number): string => `end:${pages}`;
const pageCursor = (page: number): string => `page:${page}`;

/** The page a cursor starts at; null when the cursor is past the end. */
function startPage(cursor: string | null): number | null {
  if (cursor === null) return 1;
  if (cursor.startsWith('end:')) return null;
  const match = /^page:(\d+)$/.exec(cursor);
  if (!match) throw new Error(`scripted provider: unknown cursor ${cursor}`);
  return Number(match[1]);
}

export function itemOf(page: number, i: number, version = 1): RawItem {
  return { id: `item-${page}-${i}`, page, i, name: `item ${page}/${i}`, version };
}

export interface ScriptedProvider {
  provider: Provider;
  /** Registers a script; the integration's config is the returned `config`. */
  script(script: Script): { config: { script: string }; calls: ScriptCalls };
  /** The real credential types and providers (plugins/) plus this provider. */
  registry(): PluginRegistry;
}

export function createScriptedProvider(): ScriptedProvider {
  const scripts = new Map<string, { script: Script; calls: ScriptCalls }>();
  let seq = 0;
  const entry = (name: string) => {
    const found = scripts.get(name);
    if (!found) throw new Error(`scripted provider: no script ${name}`);
    return found;
  };

  async function* fetchPages(name: string, cursor: string | null): AsyncGenerator<SyncPage<RawItem>> {
    const { script, calls } = entry(name);
    try {
      const first = startPage(cursor);
      if (first === null) return;
      for (let page = first; page <= script.pages; page++) {
        const call = (calls.pages.get(page) ?? 0) + 1;
        calls.pages.set(page, call);
        await script.onPage?.(page, call);
        const records = Array.from({ length: script.recordsPerPage ?? 2 }, (_, i) => itemOf(page, i, script.version));
        const more = page < script.pages;
        yield { records, nextCursor: more ? pageCursor(page + 1) : finalCursor(script.pages), hasMore: more };
      }
    } finally {
      calls.closed++;
    }
  }

  const provider: Provider = defineProvider({
    id: SCRIPTED_PROVIDER_ID,
    name: 'Scripted (tests)',
    category: 'generic',
    description: 'An in-memory upstream driven by a per-test script.',
    credentialTypes: [],
    credentialRequired: false,
    configSchema: z.object({ script: z.string().min(1) }),
    async check(ctx) {
      const { script, calls } = entry(ctx.config.script);
      calls.checks++;
      await script.onCheck?.(calls.checks);
    },
    fetch: (ctx, cursor) => fetchPages(ctx.config.script, cursor),
    normalize: (raw: RawItem): NormalizedRecord => ({
      externalId: raw.id,
      data: { name: raw.name, page: raw.page, version: raw.version },
      modifiedAt: new Date(Date.UTC(2024, 0, 1) + raw.page * 1000),
    }),
  });

  return {
    provider,
    script(script) {
      const name = `script-${++seq}`;
      const calls: ScriptCalls = { checks: 0, pages: new Map(), closed: 0 };
      scripts.set(name, { script, calls });
      return { config: { script: name }, calls };
    },
    registry() {
      const real = loadPlugins();
      return { credentialTypes: real.credentialTypes, providers: new Map([...real.providers, [SCRIPTED_PROVIDER_ID, provider]]) };
    },
  };
}

/** A promise the test resolves: lets a page wait until the test has seen the run going. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
