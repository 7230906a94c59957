import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeProxyV2, ProxyProtocolError, parseProxyV2 } from '../../../fargate/src/stratum/proxy-protocol.js';

const SIG = '0d0a0d0a000d0a515549540a';
const NLB = { address: '10.0.0.1', port: 3333 };

/** An independent canonical IPv6 text form (WHATWG URL host serializer: RFC 5952 compression). */
function canonicalIpv6(groups: number[]): string {
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}

describe('PROXY protocol v2', () => {
  it('reads the client of an IPv4 TCP header and where the stream starts', () => {
    const header = Buffer.from(`${SIG}2111000cc0a80001ac1f0002d431115c`, 'hex');
    const withData = Buffer.concat([header, Buffer.from('{"id":1}\n')]);
    expect(parseProxyV2(withData)).toEqual({ length: 28, source: { address: '192.168.0.1', port: 54321 } });
  });

  it('reads an IPv6 client in compressed form', () => {
    const src = '20010db8000000000000000000000001';
    const dst = '20010db8000000000000000000000002';
    const header = Buffer.from(`${SIG}21210024${src}${dst}1f900d05`, 'hex');
    expect(parseProxyV2(header)).toEqual({ length: 52, source: { address: '2001:db8::1', port: 8080 } });
  });

  it('compresses only the longest run of two or more zero groups (RFC 5952)', () => {
    const cases: Array<[string, string]> = [
      ['00000000000000000000000000000000', '::'],
      ['00000000000000000000000000000001', '::1'],
      ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
      ['20010000000000010000000000010001', '2001::1:0:0:1:1'], // first of two equal runs
      ['20010db8000000000001000000000000', '2001:db8:0:0:1::'], // the longer run wins
      ['fe800000000000000000000000000000', 'fe80::'],
    ];
    for (const [hex, text] of cases) {
      const header = Buffer.from(`${SIG}21210024${hex}${'00'.repeat(16)}00500050`, 'hex');
      expect(parseProxyV2(header)?.source?.address).toBe(text);
    }
  });

  it('reads IPv6 like the URL parser canonicalizes it, for any address', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
        (groups) => {
          const hex = groups.map((g) => g.toString(16).padStart(4, '0')).join('');
          const header = Buffer.from(`${SIG}21210024${hex}${'00'.repeat(16)}00500050`, 'hex');
          expect(parseProxyV2(header)?.source?.address).toBe(canonicalIpv6(groups));
        },
      ),
    );
  });

  it('accepts LOCAL (the balancer health check) without an address, TLVs skipped', () => {
    expect(parseProxyV2(Buffer.from(`${SIG}20000003010000`, 'hex'))).toEqual({ length: 19 });
  });

  it('returns undefined while the header is incomplete', () => {
    for (const full of [
      encodeProxyV2({ address: '10.1.2.3', port: 1 }, NLB),
      encodeProxyV2({ address: '2001:db8::7', port: 1 }, { address: '2001:db8::1', port: 3333 }),
    ]) {
      for (let n = 0; n < full.length; n++) expect(parseProxyV2(full.subarray(0, n))).toBeUndefined();
      expect(parseProxyV2(full)?.length).toBe(full.length);
    }
  });

  it('throws ProxyProtocolError for a stream that is not PROXY v2', () => {
    expect(() => parseProxyV2(Buffer.from('{"id":1,"method":"mining.subscribe"}\n'))).toThrow(ProxyProtocolError);
    expect(() => parseProxyV2(Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'))).toThrow(ProxyProtocolError);
    expect(() => parseProxyV2(Buffer.from([0x0d, 0x0a, 0xff]))).toThrow(ProxyProtocolError); // early mismatch
    expect(() => parseProxyV2(Buffer.from(`${SIG}1111000c`, 'hex'))).toThrow(/version 1 is not 2/);
    expect(() => parseProxyV2(Buffer.from(`${SIG}2111ffff`, 'hex'))).toThrow(/too long/);
    expect(() => parseProxyV2(Buffer.from(`${SIG}2f110000`, 'hex'))).toThrow(/unknown PROXY command/);
  });

  it('round-trips any IPv4 client address and port through encode and parse', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), fc.ipV4(), (address, port, dest) => {
        const h = encodeProxyV2({ address, port }, { address: dest, port: 3333 });
        expect(parseProxyV2(Buffer.concat([h, Buffer.from('{"id":1}\n')]))).toEqual({
          length: h.length,
          source: { address, port },
        });
      }),
    );
  });
});
