import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup, promises as dnsPromises, type LookupAddress } from 'node:dns';
import { domainToASCII } from 'node:url';

/** Who may be called: `allowlist` entries come from parseAllowlist; `httpsOnly` refuses plain http. */
export interface UrlPolicy {
  allowlist: readonly string[];
  httpsOnly: boolean;
}

/** Thrown when a URL or a resolved address is refused; `reason` is a short sentence naming why. */
export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
  readonly code = 'EUNSAFEADDRESS';
  constructor(readonly reason: string, options?: ErrorOptions) {
    super(`unsafe URL: ${reason}`, options);
  }
}

/** Thrown by parseAllowlist for an entry that is neither an address, a CIDR range nor a host name. */
export class InvalidAllowlistError extends Error {
  override readonly name = 'InvalidAllowlistError';
  constructor(readonly entry: string, detail: string) {
    super(`invalid allowlist entry '${entry}': ${detail}`);
  }
}

type Family = 'ipv4' | 'ipv6';
type Range = readonly [net: string, prefix: number];

/** Checked in order, so the narrow ranges (metadata) win over the wide ones that contain them. */
const V4_KINDS: ReadonlyArray<readonly [string, readonly Range[]]> = [
  ['metadata', [['169.254.169.254', 32], ['169.254.170.2', 32], ['100.100.100.200', 32]]],
  ['unspecified', [['0.0.0.0', 8]]], ['loopback', [['127.0.0.0', 8]]],
  ['private', [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16]]],
  ['carrier-grade NAT', [['100.64.0.0', 10]]], ['link-local', [['169.254.0.0', 16]]], ['multicast', [['224.0.0.0', 4]]],
  // 240/4 includes 255.255.255.255
  ['reserved', [['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['240.0.0.0', 4]]],
];
/** IPv4-mapped, NAT64 and 6to4 addresses are judged by their embedded IPv4 address before these. */
const V6_KINDS: ReadonlyArray<readonly [string, readonly Range[]]> = [
  ['unspecified', [['::', 128]]], ['loopback', [['::1', 128]]], ['metadata', [['fd00:ec2::254', 128]]],
  ['link-local', [['fe80::', 10]]], ['unique-local', [['fc00::', 7]]], ['multicast', [['ff00::', 8]]],
  ['reserved', [['2001::', 23], ['2001:db8::', 32], ['3fff::', 20]]],
];

const toLists = (kinds: ReadonlyArray<readonly [string, readonly Range[]]>, family: Family) =>
  kinds.map(([kind, ranges]) => {
    const list = new BlockList();
    for (const [net, prefix] of ranges) list.addSubnet(net, prefix, family);
    return [kind, list] as const;
  });
const V4_LISTS = toLists(V4_KINDS, 'ipv4');
const V6_LISTS = toLists(V6_KINDS, 'ipv6');

const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

const familyOf = (ip: string): Family | null => (isIP(ip) === 4 ? 'ipv4' : isIP(ip) === 6 ? 'ipv6' : null);
const stripZone = (ip: string): string => ip.split('%')[0];
/**
 * The one form of a host name that is checked, matched against the allowlist and resolved, at create time and inside
 * the connection alike: lower-cased, without URL brackets, IPv6 zone or trailing root dot (`LOCALHOST.` is
 * `localhost`: resolvers do not all accept the dot, /etc/hosts does not), and in ASCII (`bücher.example` is
 * `xn--bcher-kva.example`, as URL parsing already makes it).
 */
export function normalizeHost(host: string): string {
  const bare = stripZone(host.replace(/^\[(.*)\]$/, '$1')).toLowerCase().replace(/\.$/, '');
  // domainToASCII answers '' for what is no domain name: keep the input, so callers refuse it for what it is.
  return /[^\x00-\x7f]/.test(bare) ? domainToASCII(bare) || bare : bare;
}

/** The eight 16-bit words of a valid IPv6 address (a trailing dotted quad becomes two words). */
function ipv6Words(ip: string): number[] {
  let s = stripZone(ip).toLowerCase();
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    s = `${s.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return words.map((w) => parseInt(w, 16));
}

/** The IPv4 address carried by an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
function embeddedIpv4(words: readonly number[]): string | null {
  const v4 = (hi: number, lo: number): string => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  const zeros = (from: number, to: number): boolean => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6], words[7]);
  if (words[0] === 0x2002) return v4(words[1], words[2]);
  return null;
}

/**
 * null when `ip` is a public unicast address; otherwise its kind ('loopback', 'private', 'link-local',
 * 'metadata', 'unspecified', 'multicast', 'reserved', 'carrier-grade NAT', 'unique-local'), or 'invalid'
 * when it is not an IP address at all. IPv6 outside global unicast 2000::/3 is 'reserved'.
 */
export function forbiddenAddressKind(ip: string): string | null {
  const address = stripZone(ip);
  const family = familyOf(address);
  if (family === 'ipv4') return V4_LISTS.find(([, list]) => list.check(address, 'ipv4'))?.[0] ?? null;
  if (family === null) return 'invalid';
  const words = ipv6Words(address);
  const v4 = embeddedIpv4(words);
  if (v4 !== null) return forbiddenAddressKind(v4);
  const kind = V6_LISTS.find(([, list]) => list.check(address, 'ipv6'))?.[0];
  return kind ?? ((words[0] & 0xe000) === 0x2000 ? null : 'reserved');
}

/** `[address, prefix]` for an 'a.b.c.d', 'a.b.c.d/n', IPv6 or 'v6/n' entry; null when it is none of those. */
function parseRange(entry: string): readonly [string, number, Family] | null {
  const [address, prefixText, extra] = normalizeHost(entry).split('/');
  const family = familyOf(address);
  if (family === null || extra !== undefined) return null;
  const max = family === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return [address, max, family];
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  return prefix <= max ? [address, prefix, family] : null;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const HOST_NAME = new RegExp(`^(?=.{1,253}$)(?:${LABEL}\\.)*${LABEL}$`);

/** Parses a comma/space separated allowlist: IPv4/IPv6 addresses, CIDR ranges or host names (lower-cased). */
export function parseAllowlist(raw: string | undefined): string[] {
  return (raw ?? '').split(/[\s,]+/).filter((e) => e !== '').map((entry) => {
    if (entry.includes('/') || familyOf(normalizeHost(entry)) !== null) {
      const range = parseRange(entry);
      if (range === null) throw new InvalidAllowlistError(entry, 'not a valid address or CIDR range');
      return entry.includes('/') ? `${range[0]}/${range[1]}` : range[0];
    }
    const name = normalizeHost(entry);
    // A name whose last label is numeric would be read as an IPv4 address by URL parsers and resolvers.
    if (!HOST_NAME.test(name) || /(?:^|\.)\d+$/.test(name)) throw new InvalidAllowlistError(entry, 'not a valid host name, address or CIDR range');
    return name;
  });
}

/** True when the host name (exact, case-insensitive) or the address (IP or CIDR entry) is admitted. */
export function isAllowlisted(allowlist: readonly string[], host: string, ip?: string): boolean {
  const name = normalizeHost(host);
  const ranges = new BlockList();
  for (const entry of allowlist) {
    if (normalizeHost(entry) === name) return true;
    const range = parseRange(entry);
    if (range !== null) ranges.addSubnet(range[0], range[1], range[2]);
  }
  return [name, ip].some((candidate) => {
    const address = candidate === undefined ? '' : stripZone(candidate);
    const family = familyOf(address);
    return family !== null && ranges.check(address, family);
  });
}

const withArticle = (kind: string): string => `${/^(?:[aeio]|u(?!ni))/i.test(kind) ? 'an' : 'a'} ${kind}`;

/** The refusal reason for the first address that is forbidden and not allowlisted, or null when all pass. */
function refusal(policy: UrlPolicy, host: string, addresses: readonly string[], verb: string): string | null {
  for (const address of addresses) {
    const kind = forbiddenAddressKind(address);
    if (kind !== null && !isAllowlisted(policy.allowlist, host, address)) return `${verb} ${address}, ${withArticle(kind)} address`;
  }
  return null;
}

const isMetadataName = (policy: UrlPolicy, host: string): boolean =>
  METADATA_NAMES.has(normalizeHost(host)) && !isAllowlisted(policy.allowlist, host);

const resolveAll = async (host: string): Promise<string[]> =>
  (await dnsPromises.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** Create-time check of a webhook URL: scheme, host, and every address the host resolves to. */
export async function assertSafeUrl(
  url: string,
  policy: UrlPolicy,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<{ url: URL; addresses: string[] }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (err) {
    throw new UnsafeUrlError('is not a valid URL', { cause: err });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UnsafeUrlError(`uses the ${parsed.protocol} scheme; only http and https are allowed`);
  if (parsed.protocol === 'http:' && policy.httpsOnly) throw new UnsafeUrlError('uses http but only https is allowed');
  const host = normalizeHost(parsed.hostname);
  if (host === '') throw new UnsafeUrlError('has no host');
  if (familyOf(host) !== null) {
    const reason = refusal(policy, host, [host], 'points at');
    if (reason !== null) throw new UnsafeUrlError(reason);
    return { url: parsed, addresses: [host] };
  }
  if (isMetadataName(policy, host)) throw new UnsafeUrlError(`${host} is a cloud metadata host name`);
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    throw new UnsafeUrlError('does not resolve', { cause: err });
  }
  if (addresses.length === 0) throw new UnsafeUrlError('does not resolve');
  const reason = refusal(policy, host, addresses, 'resolves to');
  if (reason !== null) throw new UnsafeUrlError(reason);
  return { url: parsed, addresses };
}

/**
 * Send-time `lookup` for http.request / net.connect that refuses forbidden, non-allowlisted addresses (DNS rebinding).
 * It resolves the normalised name, the very name assertSafeUrl resolved when the URL was saved.
 */
export function guardedLookup(policy: UrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    if (isMetadataName(policy, hostname)) return callback(new UnsafeUrlError(`${hostname} is a cloud metadata host name`), []);
    dnsLookup(normalizeHost(hostname), { ...options, all: true }, (err: NodeJS.ErrnoException | null, found: LookupAddress[]) => {
      if (err) return callback(err, []);
      const reason = refusal(policy, hostname, found.map((a) => a.address), 'resolves to');
      if (reason !== null) return callback(new UnsafeUrlError(`${hostname} ${reason}`), []);
      if (options.all) return callback(null, found);
      if (found.length === 0) return callback(new UnsafeUrlError(`${hostname} does not resolve`), []);
      callback(null, found[0].address, found[0].family);
    });
  };
}
