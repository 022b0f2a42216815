/**
 * Axon addresses as the chain stores them (spec §1.4): the IP as an integer with its type (4 or
 * 6), checked against the rules `serve_axon` enforces, and turned back into a URL a validator can
 * query.
 */
import { isIP } from 'node:net';
import { proctorError } from '../errors.js';

export interface AxonAddress {
  ip: bigint;
  ipType: 4 | 6;
  port: number;
}

function ipv4ToInt(host: string): bigint {
  return host.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function ipv6ToInt(host: string): bigint {
  let text = host;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = ipv4ToInt(v4[1]);
    text = `${text.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/**
 * The chain form of `host:port`, refused here when `serve_axon` would refuse it: `127.0.0.1`, `::1`
 * and all-ones addresses (`InvalidIpAddress`), port 0 (`InvalidPort`). Other loopback addresses
 * such as `127.0.0.2` are accepted, which is what a local node needs.
 *
 * @example
 * ```ts
 * axonAddress('1.2.3.4', 8091); // { ip: 16909060n, ipType: 4, port: 8091 }
 * ```
 * @throws PROCTOR_ERR_CHAIN_AXON
 */
export function axonAddress(host: string, port: number): AxonAddress {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family === 0) throw proctorError('PROCTOR_ERR_CHAIN_AXON', { problem: `"${host}" is not an IPv4 or IPv6 address (the chain stores an IP, not a name)` });
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw proctorError('PROCTOR_ERR_CHAIN_AXON', { problem: `port must be an integer from 1 to 65535 (got ${port})` });
  if (family === 4) {
    const ip = ipv4ToInt(bare);
    if (ip === 0x7f000001n) throw proctorError('PROCTOR_ERR_CHAIN_AXON', { problem: 'the chain refuses 127.0.0.1; on a local node serve on another loopback address, e.g. 127.0.0.2' });
    if (ip >= 0xffffffffn) throw proctorError('PROCTOR_ERR_CHAIN_AXON', { problem: '255.255.255.255 is not a valid axon address' });
    return { ip, ipType: 4, port };
  }
  const ip = ipv6ToInt(bare);
  if (ip === 1n || ip === (1n << 128n) - 1n) throw proctorError('PROCTOR_ERR_CHAIN_AXON', { problem: `${host} is not a valid axon address (::1 and all-ones are refused)` });
  return { ip, ipType: 6, port };
}

/** The IP text of a stored axon, e.g. `1.2.3.4` or `2001:db8::1`. */
export function axonIpText(ip: bigint, ipType: number): string {
  if (ipType === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, k) => ((ip >> BigInt(112 - 16 * k)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.replace(/^\[|\]$/g, '');
}

/**
 * Where to query a neuron's axon, or null when it does not serve (ip 0, port 0 or an unknown type).
 *
 * @example
 * ```ts
 * axonUrl({ ip: 16909060n, ipType: 4, port: 8091 }); // 'http://1.2.3.4:8091'
 * ```
 */
export function axonUrl(axon: { ip: bigint; ipType: number; port: number }): string | null {
  if (axon.ip === 0n || axon.port === 0 || (axon.ipType !== 4 && axon.ipType !== 6)) return null;
  const text = axonIpText(axon.ip, axon.ipType);
  return `http://${axon.ipType === 6 ? `[${text}]` : text}:${axon.port}`;
}
