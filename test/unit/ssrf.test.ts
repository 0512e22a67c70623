import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { promises as dns, type LookupAddress } from 'node:dns';
import {
  assertSafeUrl,
  forbiddenAddressKind,
  guardedLookup,
  InvalidAllowlistError,
  isAllowlisted,
  normalizeHost,
  parseAllowlist,
  UnsafeUrlError,
  type UrlPolicy,
} from '../../lib/net/ssrf';

const OPEN: UrlPolicy = { allowlist: [], httpsOnly: false };
const policy = (allowlist: string[], httpsOnly = false): UrlPolicy => ({ allowlist, httpsOnly });
/** A resolver that answers from a table and records what it was asked. */
function fakeResolver(table: Record<string, string[]>): { resolve: (host: string) => Promise<string[]>; asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string): Promise<string[]> => {
    asked.push(host);
    const found = table[host];
    if (found === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  return { resolve, asked };
}
/** Asserts the promise rejects with an UnsafeUrlError carrying exactly `reason`. */
async function refused(p: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UnsafeUrlError, `expected UnsafeUrlError, got ${String(err)}`);
    assert.equal(err.code, 'EUNSAFEADDRESS');
    assert.equal(err.reason, reason);
    assert.equal(err.message, `unsafe URL: ${reason}`);
    return true;
  });
}

const EXPECTED_KINDS: ReadonlyArray<readonly [string, string]> = [
  ['0.0.0.0', 'unspecified'], ['0.255.255.255', 'unspecified'],
  ['10.0.0.0', 'private'], ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
  ['192.168.0.1', 'private'], ['192.168.255.255', 'private'],
  ['100.64.0.1', 'carrier-grade NAT'], ['100.127.255.255', 'carrier-grade NAT'],
  ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'],
  ['169.254.0.1', 'link-local'], ['169.254.255.255', 'link-local'],
  ['169.254.169.254', 'metadata'], ['169.254.170.2', 'metadata'], ['100.100.100.200', 'metadata'],
  ['192.0.0.8', 'reserved'], ['192.0.2.1', 'reserved'], ['198.18.0.1', 'reserved'], ['198.19.255.255', 'reserved'],
  ['198.51.100.7', 'reserved'], ['203.0.113.9', 'reserved'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'reserved'],
  ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'],
  ['::', 'unspecified'], ['::1', 'loopback'], ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'link-local'], ['febf:ffff::1', 'link-local'], ['fe80::1%eth0', 'link-local'],
  ['fc00::1', 'unique-local'], ['fd12:3456::1', 'unique-local'], ['FD00:EC2::254', 'metadata'],
  ['ff02::1', 'multicast'], ['ff05::1:3', 'multicast'],
  ['2001:db8::1', 'reserved'], ['2001:db8:ffff::1', 'reserved'],
  ['::7f00:1', 'reserved'], ['100::1', 'reserved'], ['fec0::1', 'reserved'],
];

test('forbiddenAddressKind: every forbidden range is refused with its kind', () => {
  for (const [ip, kind] of EXPECTED_KINDS) assert.equal(forbiddenAddressKind(ip), kind, ip);
});

test('forbiddenAddressKind: public unicast addresses and range neighbours are allowed', () => {
  const publicIps = ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e',
    '172.15.255.255', '172.32.0.0', '100.63.255.255', '100.128.0.0', '198.17.255.255', '198.20.0.0',
    '11.0.0.1', '192.169.0.1', '223.255.255.255', '2001:db9::1'];
  for (const ip of publicIps) assert.equal(forbiddenAddressKind(ip), null, ip);
});

test('forbiddenAddressKind: IPv4-mapped, NAT64 and 6to4 addresses are judged by the embedded IPv4', () => {
  const cases: ReadonlyArray<readonly [string, string | null]> = [
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['0:0:0:0:0:ffff:a00:5', 'private'],
    ['::ffff:169.254.169.254', 'metadata'], ['::ffff:8.8.8.8', null], ['::ffff:0.0.0.0', 'unspecified'],
    ['64:ff9b::10.0.0.1', 'private'], ['64:ff9b::a00:1', 'private'], ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::8.8.8.8', null], ['2002:7f00:1::', 'loopback'], ['2002:808:808::1', null],
  ];
  for (const [ip, kind] of cases) assert.equal(forbiddenAddressKind(ip), kind, ip);
});

test('forbiddenAddressKind: a non-address is invalid, not public', () => {
  assert.equal(forbiddenAddressKind('example.com'), 'invalid');
  assert.equal(forbiddenAddressKind('10.0.0'), 'invalid');
  assert.equal(forbiddenAddressKind(''), 'invalid');
});

test('parseAllowlist: addresses, CIDR ranges and host names, comma or space separated', () => {
  assert.deepEqual(parseAllowlist(undefined), []);
  assert.deepEqual(parseAllowlist('  ,  '), []);
  assert.deepEqual(parseAllowlist('10.0.0.0/8, fd00::/8 Hooks.Example.COM.\n192.168.1.5,[::1],FE80::1/64 internal_svc'), [
    '10.0.0.0/8', 'fd00::/8', 'hooks.example.com', '192.168.1.5', '::1', 'fe80::1/64', 'internal_svc',
  ]);
});

test('parseAllowlist: rejects garbage, naming the entry', () => {
  for (const bad of ['10.0.0.0/99', 'fd00::/129', '10.0.0.1/', '10.0.0.0/8/8', 'example.com/8', '::gg', '10.0.0', '999.1.1.1', 'bad!host', '-lead.example', 'a..b']) {
    assert.throws(() => parseAllowlist(`8.8.8.8, ${bad}`), (err: unknown) => {
      assert.ok(err instanceof InvalidAllowlistError, bad);
      assert.equal(err.entry, bad);
      assert.match(err.message, new RegExp(`^invalid allowlist entry '${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`));
      return true;
    });
  }
});

test('isAllowlisted: by IP, by CIDR (v4 and v6) and by exact host name', () => {
  const list = parseAllowlist('10.1.2.3, 192.168.0.0/16, fd00::/8, hooks.internal');
  assert.equal(isAllowlisted(list, 'a.example', '10.1.2.3'), true);
  assert.equal(isAllowlisted(list, 'a.example', '10.1.2.4'), false);
  assert.equal(isAllowlisted(list, 'a.example', '192.168.77.1'), true);
  assert.equal(isAllowlisted(list, 'a.example', '192.169.0.1'), false);
  assert.equal(isAllowlisted(list, 'a.example', 'fd12::1'), true);
  assert.equal(isAllowlisted(list, 'a.example', 'fc00::1'), false);
  assert.equal(isAllowlisted(list, 'a.example', '::ffff:10.1.2.3'), true, 'mapped form of an allowlisted IPv4');
  assert.equal(isAllowlisted(list, 'HOOKS.Internal.', '127.0.0.1'), true);
  assert.equal(isAllowlisted(list, 'x.hooks.internal', '127.0.0.1'), false, 'host names match exactly, not as suffixes');
  assert.equal(isAllowlisted(list, 'hooks.internal.evil.com'), false);
  assert.equal(isAllowlisted(list, '192.168.3.3'), true, 'a literal IP host is matched against ranges');
  assert.equal(isAllowlisted(list, '[fd00::5]'), true, 'bracketed IPv6 host');
  assert.equal(isAllowlisted([], 'hooks.internal', '10.1.2.3'), false);
});

test('assertSafeUrl: literal IP hosts are checked directly, including bracketed IPv6', async () => {
  const { resolve, asked } = fakeResolver({});
  await refused(assertSafeUrl('http://10.0.0.5/hook', OPEN, resolve), 'points at 10.0.0.5, a private address');
  await refused(assertSafeUrl('http://[::1]:8080/', OPEN, resolve), 'points at ::1, a loopback address');
  await refused(assertSafeUrl('http://[::ffff:127.0.0.1]/', OPEN, resolve), 'points at ::ffff:7f00:1, a loopback address');
  await refused(assertSafeUrl('http://[fd00:ec2::254]/', OPEN, resolve), 'points at fd00:ec2::254, a metadata address');
  await refused(assertSafeUrl('http://169.254.169.254/latest/meta-data/', OPEN, resolve), 'points at 169.254.169.254, a metadata address');
  await refused(assertSafeUrl('http://0x7f.1/', OPEN, resolve), 'points at 127.0.0.1, a loopback address');
  await refused(assertSafeUrl('http://2130706433/', OPEN, resolve), 'points at 127.0.0.1, a loopback address');
  await refused(assertSafeUrl('http://[::]/', OPEN, resolve), 'points at ::, an unspecified address');
  await refused(assertSafeUrl('http://100.64.1.1/', OPEN, resolve), 'points at 100.64.1.1, a carrier-grade NAT address');
  await refused(assertSafeUrl('http://[fd12::1]/', OPEN, resolve), 'points at fd12::1, a unique-local address');
  const ok = await assertSafeUrl('https://8.8.8.8/hook', OPEN, resolve);
  assert.equal(ok.url.href, 'https://8.8.8.8/hook');
  assert.deepEqual(ok.addresses, ['8.8.8.8']);
  const ok6 = await assertSafeUrl('https://[2606:4700:4700::1111]:8443/x', OPEN, resolve);
  assert.deepEqual(ok6.addresses, ['2606:4700:4700::1111']);
  assert.equal(ok6.url.port, '8443');
  assert.deepEqual((await assertSafeUrl('http://10.0.0.5/', policy(['10.0.0.0/8']), resolve)).addresses, ['10.0.0.5']);
  assert.deepEqual((await assertSafeUrl('http://[::1]:8080/', policy(['::1']), resolve)).addresses, ['::1']);
  assert.deepEqual(asked, [], 'literal IPs are never resolved');
});

test('assertSafeUrl: httpsOnly refuses http, and only http/https schemes are accepted', async () => {
  const { resolve, asked } = fakeResolver({ 'hooks.example.com': ['93.184.215.14'] });
  await refused(assertSafeUrl('http://hooks.example.com/x', policy([], true), resolve), 'uses http but only https is allowed');
  assert.deepEqual(asked, [], 'refused before resolving');
  const ok = await assertSafeUrl('https://hooks.example.com/x', policy([], true), resolve);
  assert.deepEqual(ok.addresses, ['93.184.215.14']);
  assert.deepEqual((await assertSafeUrl('http://hooks.example.com/x', OPEN, resolve)).addresses, ['93.184.215.14']);
  for (const [url, scheme] of [['ftp://hooks.example.com/', 'ftp:'], ['file:///etc/passwd', 'file:'], ['gopher://hooks.example.com:70/', 'gopher:'],
    ['javascript:alert(1)', 'javascript:'], ['data:text/plain,hi', 'data:'], ['ws://hooks.example.com/', 'ws:']]) {
    await refused(assertSafeUrl(url, OPEN, resolve), `uses the ${scheme} scheme; only http and https are allowed`);
  }
  await refused(assertSafeUrl('not a url', OPEN, resolve), 'is not a valid URL');
  await refused(assertSafeUrl('http://', OPEN, resolve), 'is not a valid URL');
  await refused(assertSafeUrl('http://./', OPEN, resolve), 'has no host');
});

test('assertSafeUrl: every resolved address must be allowed', async () => {
  const { resolve } = fakeResolver({
    'mixed.example': ['93.184.215.14', '10.0.0.5'],
    'mixed6.example': ['2606:4700::1', 'fe80::1'],
    'mapped.example': ['::ffff:192.168.1.1'],
    'public.example': ['93.184.215.14', '2606:4700::1'],
    'empty.example': [],
  });
  await refused(assertSafeUrl('https://mixed.example/', OPEN, resolve), 'resolves to 10.0.0.5, a private address');
  await refused(assertSafeUrl('https://mixed6.example/', OPEN, resolve), 'resolves to fe80::1, a link-local address');
  await refused(assertSafeUrl('https://mapped.example/', OPEN, resolve), 'resolves to ::ffff:192.168.1.1, a private address');
  await refused(assertSafeUrl('https://empty.example/', OPEN, resolve), 'does not resolve');
  await refused(assertSafeUrl('https://unknown.example/', OPEN, resolve), 'does not resolve');
  assert.deepEqual((await assertSafeUrl('https://public.example/', OPEN, resolve)).addresses, ['93.184.215.14', '2606:4700::1']);
  assert.deepEqual((await assertSafeUrl('https://mixed.example/', policy(['10.0.0.0/8']), resolve)).addresses, ['93.184.215.14', '10.0.0.5']);
  assert.deepEqual((await assertSafeUrl('https://MIXED.example/', policy(['mixed.example']), resolve)).addresses, ['93.184.215.14', '10.0.0.5']);
  await refused(assertSafeUrl('https://mixed.example/', policy(['10.0.0.6', 'other.example']), resolve), 'resolves to 10.0.0.5, a private address');
});

test('assertSafeUrl: cloud metadata host names are refused without resolving', async () => {
  const { resolve, asked } = fakeResolver({ 'metadata.google.internal': ['93.184.215.14'], metadata: ['93.184.215.14'] });
  await refused(assertSafeUrl('http://metadata.google.internal/computeMetadata/v1/', OPEN, resolve), 'metadata.google.internal is a cloud metadata host name');
  await refused(assertSafeUrl('http://METADATA./', OPEN, resolve), 'metadata is a cloud metadata host name');
  await refused(assertSafeUrl('http://metadata/', OPEN, resolve), 'metadata is a cloud metadata host name');
  assert.deepEqual(asked, []);
});

test('assertSafeUrl: localhost through the real resolver is refused unless its loopback address is allowlisted', async () => {
  const loopbacks = (await dns.lookup('localhost', { all: true })).map((a) => a.address);
  assert.ok(loopbacks.includes('127.0.0.1'), `localhost resolves to ${loopbacks.join(', ')}`);
  await assert.rejects(assertSafeUrl('http://localhost:3000/hook', OPEN), (err: unknown) => {
    assert.ok(err instanceof UnsafeUrlError);
    assert.match(err.reason, /^resolves to (127\.0\.0\.1|::1), a loopback address$/);
    return true;
  });
  // Some hosts also map localhost to ::1; every resolved address must be admitted.
  const allowlist = loopbacks.filter((a) => a === '127.0.0.1' || a === '::1');
  const ok = await assertSafeUrl('http://localhost:3000/hook', policy(allowlist));
  assert.deepEqual([...ok.addresses].sort(), [...loopbacks].sort());
  await refused(assertSafeUrl('http://no-such-host.invalid/', OPEN), 'does not resolve');
});

/** Calls the lookup function the way net.connect does and returns what it called back with. */
function callLookup(p: UrlPolicy, host: string, all: boolean): Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }> {
  return new Promise((done) => guardedLookup(p)(host, { all, family: 4 }, (err, address, family) => done({ err, address, family })));
}

test('guardedLookup: refuses forbidden addresses and answers in both all:false and all:true shapes', async () => {
  for (const all of [false, true]) {
    const bad = await callLookup(OPEN, 'localhost', all);
    assert.ok(bad.err instanceof UnsafeUrlError, `all=${all}`);
    assert.equal(bad.err.code, 'EUNSAFEADDRESS');
    assert.equal(bad.err.reason, 'localhost resolves to 127.0.0.1, a loopback address');
    const meta = await callLookup(OPEN, 'metadata.google.internal', all);
    assert.ok(meta.err instanceof UnsafeUrlError);
    assert.equal(meta.err.reason, 'metadata.google.internal is a cloud metadata host name');
  }
  assert.deepEqual(await callLookup(policy(['127.0.0.1']), 'localhost', false), { err: null, address: '127.0.0.1', family: 4 });
  assert.deepEqual(await callLookup(policy(['localhost']), 'localhost', true), { err: null, address: [{ address: '127.0.0.1', family: 4 }], family: undefined });
  const missing = await callLookup(OPEN, 'no-such-host.invalid', false);
  assert.ok(missing.err !== null && !(missing.err instanceof UnsafeUrlError));
  assert.equal(missing.err.code, 'ENOTFOUND');
});

test('guardedLookup: a real http.get to a local server is refused without allowlist and succeeds with it', async (t) => {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const { port } = address;
  const get = (p: UrlPolicy): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = http.get({ hostname: 'localhost', port, path: '/', family: 4, agent: false, lookup: guardedLookup(p) }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });

  await assert.rejects(get(OPEN), (err: unknown) => {
    assert.ok(err instanceof UnsafeUrlError, String(err));
    assert.equal(err.code, 'EUNSAFEADDRESS');
    assert.equal(err.reason, 'localhost resolves to 127.0.0.1, a loopback address');
    return true;
  });
  await assert.rejects(get(policy(['127.0.0.2', '10.0.0.0/8'])), { code: 'EUNSAFEADDRESS' });
  assert.deepEqual(await get(policy(['127.0.0.1'])), { status: 200, body: 'ok' });
  assert.deepEqual(await get(policy(['127.0.0.0/8'])), { status: 200, body: 'ok' });
});

test('normalizeHost: one form for checking, allowlist matching and resolving', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['LOCALHOST.', 'localhost'], ['Hooks.Example.COM.', 'hooks.example.com'], ['[::1]', '::1'], ['[FE80::1%eth0]', 'fe80::1'],
    ['Bücher.Example.', 'xn--bcher-kva.example'], ['xn--bcher-kva.example', 'xn--bcher-kva.example'], ['127.0.0.1', '127.0.0.1'],
  ];
  for (const [host, normal] of cases) assert.equal(normalizeHost(host), normal, host);
  // A URL's host (already lower-cased and in punycode) and an allowlist entry written by hand meet in the same form.
  assert.deepEqual(parseAllowlist('Bücher.example'), ['xn--bcher-kva.example']);
  assert.equal(isAllowlisted(parseAllowlist('Bücher.example'), new URL('https://BÜCHER.example./').hostname), true);
});

test('LOCALHOST. passes the create-time check and is reached at send time: both resolve the same normalised name', async (t) => {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  const url = `http://LOCALHOST.:${address.port}/hook`;
  const p = policy(['localhost']);

  // What the create-time check asks the resolver for ...
  const { resolve, asked } = fakeResolver({ localhost: ['127.0.0.1'] });
  await assertSafeUrl(url, p, resolve);
  assert.deepEqual(asked, ['localhost']);
  assert.deepEqual((await assertSafeUrl(url, p)).addresses.includes('127.0.0.1'), true, 'the real resolver too');
  // ... is what the connection resolves.
  assert.deepEqual(await callLookup(p, 'LOCALHOST.', false), { err: null, address: '127.0.0.1', family: 4 });
  const answer = await new Promise<{ status: number; body: string }>((done, reject) => {
    const req = http.get(new URL(url), { family: 4, agent: false, lookup: guardedLookup(p) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
  assert.deepEqual(answer, { status: 200, body: 'ok' });
  // Refused names stay refused in every spelling.
  const refusedLookup = await callLookup(OPEN, 'LOCALHOST.', false);
  assert.ok(refusedLookup.err instanceof UnsafeUrlError);
  await assert.rejects(assertSafeUrl(url, OPEN), UnsafeUrlError);
});
