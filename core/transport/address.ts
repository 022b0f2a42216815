/**
 * Which addresses a validator may contact on a real network: public unicast only. A miner's axon
 * IP is chain data anyone can set, so a validator that followed it to 127.0.0.1, 10.0.0.0/8 or the
 * cloud metadata address (169.254.169.254) would be a request-forgery tool. Host names are checked
 * on the addresses they resolve to, at connect time, so a name cannot rebind to a private address
 * between a check and the connection.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';

export type AddressClass = 'public' | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'cgnat' | 'multicast' | 'reserved' | 'not-an-ip';

/** IPv4 special-purpose blocks (IANA registry, RFC 6890 and successors) as [first octets, prefix, class]. */
const IPV4_BLOCKS: readonly (readonly [string, number, AddressClass])[] = [
  ['0.0.0.0', 8, 'unspecified'], // "this network"
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // TEST-NET-1
  ['192.88.99.0', 24, 'reserved'], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'], // TEST-NET-2
  ['203.0.113.0', 24, 'reserved'], // TEST-NET-3
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // future use, and 255.255.255.255 broadcast
];

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

const ipv4Table = IPV4_BLOCKS.map(([base, prefix, kind]) => ({ base: ipv4ToInt(base), size: 2 ** (32 - prefix), kind }));

function classifyIpv4Int(n: number): AddressClass {
  for (const { base, size, kind } of ipv4Table) if (n >= base && n < base + size) return kind;
  return 'public';
}

/** The eight 16-bit groups of a valid IPv6 literal (zone id dropped, a trailing dotted quad folded in). */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0].toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const n = ipv4ToInt(dotted[1]);
    text = text.slice(0, dotted.index) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function classifyIpv6(g: number[]): AddressClass {
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  const embedded = (hi: number, lo: number) => classifyIpv4Int(hi * 65536 + lo);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  if (zeros(0, 5) && g[5] === 0xffff) return embedded(g[6], g[7]); // IPv4-mapped
  if (zeros(0, 6)) return 'reserved'; // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(g[6], g[7]); // NAT64 well-known prefix
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'; // local-use NAT64
  if (g[0] >= 0xff00) return 'multicast';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xffc0) === 0xfec0) return 'private'; // site-local (deprecated)
  if ((g[0] & 0xfe00) === 0xfc00) return 'private'; // unique local
  if (g[0] === 0x2002) return embedded(g[1], g[2]); // 6to4 carries an IPv4 address
  if (g[0] === 0x2001 && g[1] < 0x200) return 'reserved'; // IETF assignments, Teredo, ORCHID
  if (g[0] === 0x2001 && g[1] === 0xdb8) return 'reserved'; // documentation
  if ((g[0] & 0xfff0) === 0x3ff0) return 'reserved'; // documentation (3fff::/20)
  if (g[0] === 0x100 && zeros(1, 4)) return 'reserved'; // discard-only
  if ((g[0] & 0xe000) !== 0x2000) return 'reserved'; // outside global unicast 2000::/3
  return 'public';
}

/**
 * What kind of address an IP literal is; `not-an-ip` for anything else (a host name, garbage).
 *
 * @example
 * ```ts
 * classifyAddress('127.8.9.10');          // 'loopback'
 * classifyAddress('::ffff:192.168.0.1');  // 'private'
 * classifyAddress('2606:4700::1111');     // 'public'
 * ```
 */
export function classifyAddress(address: string): AddressClass {
  if (typeof address !== 'string') return 'not-an-ip';
  const family = isIP(address);
  if (family === 4) return classifyIpv4Int(ipv4ToInt(address));
  if (family === 6) return classifyIpv6(ipv6Groups(address));
  return 'not-an-ip';
}

/** Whether `address` (an IP literal) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

/** The error code the lookup below fails with; the client maps it to `refused_address`. */
export const REFUSED_ADDRESS = 'PROCTOR_REFUSED_ADDRESS';

/**
 * A DNS lookup for the HTTP connector that refuses names resolving to any non-public address.
 * It runs at connect time, on the addresses actually dialled.
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused !== undefined || addresses.length === 0) {
      const why = refused === undefined ? 'no address' : `${refused.address}, a ${classifyAddress(refused.address)} address`;
      return callback(Object.assign(new Error(`${hostname} resolves to ${why}`), { code: REFUSED_ADDRESS }), []);
    }
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}

/**
 * The URL to POST to, or why it may not be contacted: a scheme other than http(s), credentials in
 * the URL, or (unless `allowPrivate`) an IP literal that is not public. Host names pass here and
 * are checked by `publicOnlyLookup` when dialled.
 */
export function targetUrl(base: string, path: string, allowPrivate: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return 'the miner URL is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `scheme ${url.protocol} is not http or https`;
  if (url.username !== '' || url.password !== '') return 'the miner URL carries credentials';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const kind = classifyAddress(host);
  if (!allowPrivate && kind !== 'public' && kind !== 'not-an-ip') return `${host} is a ${kind} address, not a public one`;
  url.pathname = url.pathname.replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`);
  url.search = '';
  url.hash = '';
  return url;
}
