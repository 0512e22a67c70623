import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostAllowed, hostsOutside, HOST_PATTERN } from '../../lib/integrations/allowed-hosts';

test('hosts match exactly or as subdomains of a *. pattern, case and trailing dot aside', () => {
  assert.equal(hostAllowed(['api.github.com'], 'api.github.com'), true);
  assert.equal(hostAllowed(['api.github.com'], 'API.GitHub.com.'), true);
  assert.equal(hostAllowed(['api.github.com'], 'evil.com'), false);
  assert.equal(hostAllowed(['api.github.com'], 'api.github.com.evil.com'), false);
  assert.equal(hostAllowed(['*.sympla.com.br'], 'api.sympla.com.br'), true);
  assert.equal(hostAllowed(['*.sympla.com.br'], 'sympla.com.br'), false, 'the pattern is for subdomains');
  assert.equal(hostAllowed(['*.sympla.com.br'], 'evilsympla.com.br'), false);
  assert.equal(hostAllowed([], 'anything'), false);
});

test('the URL fields of a config outside the allowed hosts are named', () => {
  assert.deepEqual(hostsOutside(['api.github.com'], { base_url: 'https://api.github.com', owner: 'x' }), []);
  assert.deepEqual(hostsOutside(['api.github.com'], { base_url: 'https://attacker.example/api', url: 'http://127.0.0.1:9/x' }), [
    { field: 'base_url', host: 'attacker.example' },
    { field: 'url', host: '127.0.0.1' },
  ]);
});

test('host patterns accept names, IPs and *. prefixes only', () => {
  for (const ok of ['api.github.com', '127.0.0.1', '*.example.com', 'localhost', '[::1]']) assert.ok(HOST_PATTERN.test(ok), ok);
  for (const bad of ['https://api.github.com', 'api.github.com/path', '*', 'a..b', 'host:443', '*.*.x']) assert.ok(!HOST_PATTERN.test(bad), bad);
});
