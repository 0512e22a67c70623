import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CLIENT_DIR, generateClientFiles } from '../../scripts/generate-client';

test('the committed API client matches the API (else: npm run client:generate)', async () => {
  const files = await generateClientFiles();
  for (const [name, text] of Object.entries(files)) {
    const committed = await fs.readFile(path.join(CLIENT_DIR, name), 'utf8');
    assert.ok(committed === text, `client/${name} is stale: run npm run client:generate and commit the result`);
  }
  assert.ok(files['schema.d.ts'].includes('"/api/v1/mailings/{id}/progress"'), 'the types cover the API paths');
});
