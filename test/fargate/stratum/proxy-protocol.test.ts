import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeProxyV2, ProxyProtocolError, parseProxyV2 } from '../../../fargate/src/stratum/proxy-protocol.js';

const SIG = '0d0a0d0a000d0a515549540a';

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

  it('accepts LOCAL (the balancer health check) without an address, TLVs skipped', () => {
    expect(parseProxyV2(Buffer.from(`${SIG}20000003010000`, 'hex'))).toEqual({ length: 19 });
  });

  it('asks for more bytes while the header is incomplete', () => {
    const full = encodeProxyV2({ address: '10.1.2.3', port: 1 }, { address: '10.0.0.1', port: 3333 });
    for (let n = 0; n < full.length; n++) expect(parseProxyV2(full.subarray(0, n))).toBeUndefined();
  });

  it('rejects a stream that is not PROXY v2', () => {
    expect(() => parseProxyV2(Buffer.from('{"id":1,"method":"mining.subscribe"}\n'))).toThrow(ProxyProtocolError);
    expect(() => parseProxyV2(Buffer.from(`${SIG}1111000c`, 'hex'))).toThrow(/version 1 is not 2/);
    expect(() => parseProxyV2(Buffer.from(`${SIG}2111ffff`, 'hex'))).toThrow(/too long/);
  });

  it('round-trips any IPv4 client', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 65535 }), (address, port) => {
        const h = encodeProxyV2({ address, port }, { address: '10.0.0.1', port: 3333 });
        expect(parseProxyV2(h)).toEqual({ length: h.length, source: { address, port } });
      }),
    );
  });
});
