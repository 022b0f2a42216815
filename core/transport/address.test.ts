import assert from 'node:assert/strict';
import { BlockList } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyAddress, isPublicAddress, targetUrl } from './address.js';

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

/** The non-public IPv4 blocks again, matched by Node's own BlockList: an independent prefix matcher. */
const reference = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 3],
] as const) reference.addSubnet(net, prefix, 'ipv4');

function hexMapped(v4: string): string {
  const [a, b, c, d] = v4.split('.').map(Number);
  return `::ffff:${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

describe('address classes', () => {
  it('names the class of each special block', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'], ['127.255.255.254', 'loopback'], ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'], ['100.64.0.1', 'cgnat'], ['100.127.255.255', 'cgnat'], ['169.254.169.254', 'link-local'], ['0.0.0.0', 'unspecified'],
      ['224.0.0.1', 'multicast'], ['239.255.255.250', 'multicast'], ['255.255.255.255', 'reserved'], ['198.18.0.1', 'reserved'],
      ['::', 'unspecified'], ['::1', 'loopback'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'], ['fc00::1', 'private'], ['fdff::1', 'private'],
      ['ff02::1', 'multicast'], ['::ffff:10.0.0.1', 'private'], ['::ffff:7f00:1', 'loopback'], ['::10.0.0.1', 'reserved'], ['64:ff9b::a00:1', 'private'],
      ['2002:7f00:1::', 'loopback'], ['2001:db8::1', 'reserved'], ['2001:0:4136:e378::1', 'reserved'], ['100::1', 'reserved'], ['4000::1', 'reserved'],
      ['1.1.1.1', 'public'], ['8.8.8.8', 'public'], ['172.32.0.1', 'public'], ['100.128.0.1', 'public'], ['2606:4700:4700::1111', 'public'],
      ['64:ff9b::808:808', 'public'], ['::ffff:8.8.8.8', 'public'], ['localhost', 'not-an-ip'], ['', 'not-an-ip'], ['1.2.3', 'not-an-ip'],
    ];
    for (const [ip, kind] of cases) assert.equal(classifyAddress(ip), kind, ip);
  });

  it('classes every address of 127/8 as loopback', () => {
    fc.assert(fc.property(octet, octet, octet, (b, c, d) => classifyAddress(`127.${b}.${c}.${d}`) === 'loopback'), { numRuns: 500 });
  });

  it('agrees with a BlockList of the same blocks on random IPv4 addresses, and on their IPv4-mapped IPv6 forms', () => {
    fc.assert(
      fc.property(ipv4, (ip) => {
        const expected = !reference.check(ip, 'ipv4');
        assert.equal(isPublicAddress(ip), expected, ip);
        assert.equal(isPublicAddress(`::ffff:${ip}`), expected, `::ffff:${ip}`);
        assert.equal(isPublicAddress(hexMapped(ip)), expected, hexMapped(ip));
        assert.equal(classifyAddress(`::ffff:${ip}`), classifyAddress(ip));
      }),
      { numRuns: 2000 },
    );
  });

  it('calls an IPv6 address public only inside 2000::/3', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const ip = groups.map((g) => g.toString(16)).join(':');
        if (isPublicAddress(ip)) assert.equal(groups[0] & 0xe000, 0x2000, ip);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on random text, and never calls it public unless it is an IP', () => {
    fc.assert(fc.property(fc.string(), (text) => classifyAddress(text) !== 'public' || /^[0-9a-f.:]+$/i.test(text)), { numRuns: 1000 });
  });
});

describe('target URLs', () => {
  it('refuses non-public IP literals on a real network, in any spelling the URL parser accepts', () => {
    for (const base of ['http://127.0.0.1:8091', 'http://0x7f000001', 'http://2130706433', 'http://0177.1', 'http://[::ffff:127.0.0.1]', 'http://127.1', 'http://[::]', 'http://0.0.0.0:80']) {
      const url = targetUrl(base, '/x', false);
      assert.equal(typeof url, 'string', base);
      assert.match(url as string, /not a public one/);
    }
  });

  it('lets host names through to the connect-time check, and builds the path', () => {
    assert.equal(String(targetUrl('http://miner.example:8091/base/', '/proctor/v1/text', false)), 'http://miner.example:8091/base/proctor/v1/text');
    assert.equal(String(targetUrl('http://1.1.1.1:8091?x=1#y', 'Dummy', false)), 'http://1.1.1.1:8091/Dummy');
    assert.equal(String(targetUrl('http://127.0.0.1:8091', '/x', true)), 'http://127.0.0.1:8091/x');
  });

  it('never throws on random URLs, and gives a URL only for http(s)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string()), fc.boolean(), (base, allowPrivate) => {
        const url = targetUrl(base, '/p', allowPrivate);
        if (typeof url !== 'string') assert.ok(url.protocol === 'http:' || url.protocol === 'https:');
      }),
      { numRuns: 500 },
    );
  });
});
