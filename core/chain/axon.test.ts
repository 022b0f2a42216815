import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { axonAddress, axonIpText, axonUrl } from './axon.js';

describe('axon addresses', () => {
  it('encodes IPv4 as the integer a<<24|b<<16|c<<8|d with type 4 (spec §1.4: 1.2.3.4 → 16909060)', () => {
    assert.deepEqual(axonAddress('1.2.3.4', 8091), { ip: 16909060n, ipType: 4, port: 8091 });
    assert.equal(axonAddress('127.0.0.2', 9000).ip, 0x7f000002n);
  });

  it('encodes IPv6 as its 128-bit integer with type 6, and reads both back', () => {
    const a = axonAddress('2001:db8::1', 443);
    assert.equal(a.ip, (0x20010db8n << 96n) | 1n);
    assert.equal(axonIpText(a.ip, 6), '2001:db8::1');
    assert.equal(axonIpText(axonAddress('::ffff:1.2.3.4', 1).ip, 6), '::ffff:102:304');
    assert.equal(axonIpText(16909060n, 4), '1.2.3.4');
  });

  it('refuses what serve_axon refuses: 127.0.0.1, ::1, all-ones, names, port 0', () => {
    for (const [host, port] of [['127.0.0.1', 80], ['::1', 80], ['255.255.255.255', 80], ['localhost', 80], ['1.2.3.4', 0], ['1.2.3.4', 70000]] as const) {
      assert.throws(() => axonAddress(host, port), (e: { code?: string }) => e.code === 'PROCTOR_ERR_CHAIN_AXON', `${host}:${port}`);
    }
  });

  it('gives a URL only for a serving axon', () => {
    assert.equal(axonUrl({ ip: 16909060n, ipType: 4, port: 8091 }), 'http://1.2.3.4:8091');
    assert.equal(axonUrl({ ip: (0x20010db8n << 96n) | 1n, ipType: 6, port: 8091 }), 'http://[2001:db8::1]:8091');
    assert.equal(axonUrl({ ip: 0n, ipType: 4, port: 8091 }), null);
    assert.equal(axonUrl({ ip: 16909060n, ipType: 4, port: 0 }), null);
    assert.equal(axonUrl({ ip: 16909060n, ipType: 5, port: 1 }), null);
  });
});
