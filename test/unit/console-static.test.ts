import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { consoleRoutes } from '../../api/console-static';

// The console's caching rules against a build of three files: hashed assets for a year, index.html never.
let base: string;
let close: () => void;
before(async () => {
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), 'console-dist-'));
  fs.mkdirSync(path.join(dist, 'assets'));
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>console</title>');
  fs.writeFileSync(path.join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dist, 'favicon.svg'), '<svg/>');
  const app = express().use('/console', consoleRoutes(dist));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/console`;
  close = () => server.close();
});
after(() => close?.());

describe('console static files', () => {
  test('index.html is never cached, whether asked for by name, as /console/ or as an app route', async () => {
    for (const p of ['/index.html', '/', '/mailings/12']) {
      const r = await fetch(`${base}${p}`);
      assert.equal(r.status, 200, p);
      assert.equal(r.headers.get('cache-control'), 'no-cache', p);
      assert.match(await r.text(), /<title>console<\/title>/);
    }
  });

  test('hashed assets are immutable for a year; other build files an hour; a missing asset is a 404', async () => {
    const asset = await fetch(`${base}/assets/index-abc123.js`);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const icon = await fetch(`${base}/favicon.svg`);
    assert.equal(icon.headers.get('cache-control'), 'public, max-age=3600');
    assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
  });
});
