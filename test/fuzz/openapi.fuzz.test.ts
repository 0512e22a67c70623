import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveSchemathesis } from '../../scripts/schemathesis';
import { ADMIN_KEY, startStack, type Stack } from '../support/stack';

// The OpenAPI-driven fuzz stage: schemathesis generates requests from /openapi.json (valid and invalid, every phase
// including stateful runs along the document's links) against a real stack, with every check: no 5xx, every answer
// documented and matching its schema, schema-valid requests accepted (see schemathesis.toml for the few documented
// exceptions), invalid ones refused, 405 with Allow for other methods, auth not ignored.
// FUZZ_MAX_EXAMPLES (default 30 per operation and phase) and FUZZ_SEED (default fixed, for a reproducible CI) tune it.

const CONFIG = path.join(__dirname, 'schemathesis.toml');
const MAX_EXAMPLES = process.env.FUZZ_MAX_EXAMPLES ?? '30';
const SEED = process.env.FUZZ_SEED ?? '20261203';
const MIN_CASES = 2_000;

interface FuzzRun {
  code: number | null;
  output: string;
  generated: number;
}

async function fuzz(stack: Stack): Promise<FuzzRun> {
  const st = await resolveSchemathesis();
  const args = [
    '--config-file', CONFIG, '--no-color',
    'run', `${stack.api.url}/openapi.json`,
    '--url', stack.api.url,
    '-H', `Authorization: Bearer ${ADMIN_KEY}`,
    '--max-examples', MAX_EXAMPLES,
    '--seed', SEED,
    '--workers', '1',
    '--request-timeout', '30',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(st, args, { cwd: path.dirname(CONFIG), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const generated = Number(/(\d+) generated/.exec(output)?.[1] ?? 0);
      resolve({ code, output, generated });
    });
  });
}

function assertClean(run: FuzzRun, backend: string): void {
  const summary = run.output.slice(run.output.lastIndexOf('SUMMARY'));
  assert.equal(run.code, 0, `schemathesis found failures on ${backend}:\n${run.output.slice(-20_000)}`);
  assert.ok(run.generated >= MIN_CASES, `only ${run.generated} cases generated on ${backend}:\n${summary}`);
  assert.doesNotMatch(summary, /Runtime Error|Errors:/, `schemathesis errors on ${backend}:\n${summary}`);
  process.stdout.write(`# ${backend}: ${run.generated} generated cases, no failures\n`);
}

let stack: Stack | undefined;
after(async () => {
  await stack?.close();
});

describe('OpenAPI fuzzing (schemathesis, every check)', () => {
  test('PostgreSQL', async () => {
    stack = await startStack();
    assertClean(await fuzz(stack), 'PostgreSQL');
    await stack.close();
    stack = undefined;
  });

  test('embedded PGlite', async () => {
    stack = await startStack({ embedded: true });
    assertClean(await fuzz(stack), 'PGlite');
    await stack.close();
    stack = undefined;
  });
});
