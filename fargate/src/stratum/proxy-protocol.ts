/**
 * PROXY protocol v2 (haproxy's proxy-protocol.txt §2.2), as an AWS NLB sends it when proxy protocol v2 is on for
 * the target group: a binary header before the client's first byte, carrying the real client address.
 */

const SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const HEADER_FIXED = 16;
/** The spec bounds len by 16 bits; NLB TLVs (VPC endpoint id…) are small. A larger header is refused. */
const MAX_LEN = 1024;

export interface ProxyHeader {
  /** Bytes the header occupies; the stratum stream starts after them. */
  length: number;
  /** The original client, for PROXY commands over TCP/IPv4 or IPv6; undefined for LOCAL (health checks). */
  source?: { address: string; port: number };
}

export class ProxyProtocolError extends Error {}

/** Parses a header at the start of `buf`; undefined while more bytes are needed. Throws ProxyProtocolError. */
export function parseProxyV2(buf: Buffer): ProxyHeader | undefined {
  const sigBytes = Math.min(buf.length, SIGNATURE.length);
  if (!buf.subarray(0, sigBytes).equals(SIGNATURE.subarray(0, sigBytes))) {
    throw new ProxyProtocolError('connection did not start with a PROXY protocol v2 header');
  }
  if (buf.length < HEADER_FIXED) return undefined;
  const verCmd = buf[12]!;
  if (verCmd >> 4 !== 2) throw new ProxyProtocolError(`PROXY protocol version ${verCmd >> 4} is not 2`);
  const command = verCmd & 0x0f;
  const famProto = buf[13]!;
  const len = buf.readUInt16BE(14);
  if (len > MAX_LEN) throw new ProxyProtocolError(`PROXY header of ${len} bytes is too long`);
  if (buf.length < HEADER_FIXED + len) return undefined;
  const length = HEADER_FIXED + len;
  if (command === 0x0) return { length }; // LOCAL: the proxy's own connection (e.g. a health check)
  if (command !== 0x1) throw new ProxyProtocolError(`unknown PROXY command ${command}`);
  const family = famProto >> 4;
  const body = buf.subarray(HEADER_FIXED, length);
  if (family === 0x1 && body.length >= 12) {
    return { length, source: { address: [...body.subarray(0, 4)].join('.'), port: body.readUInt16BE(8) } };
  }
  if (family === 0x2 && body.length >= 36) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(body.readUInt16BE(i).toString(16));
    return { length, source: { address: compressIpv6(groups), port: body.readUInt16BE(32) } };
  }
  // UNSPEC or UNIX: accept the connection, the address is unknown.
  return { length };
}

function compressIpv6(groups: string[]): string {
  // Longest run of zero groups becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Builds a v2 header (tests and the load generator use it to speak like an NLB). */
export function encodeProxyV2(
  source: { address: string; port: number },
  dest: { address: string; port: number },
): Buffer {
  const v4 = source.address.includes('.');
  const body = Buffer.alloc(v4 ? 12 : 36);
  if (v4) {
    Buffer.from(source.address.split('.').map(Number)).copy(body, 0);
    Buffer.from(dest.address.split('.').map(Number)).copy(body, 4);
    body.writeUInt16BE(source.port, 8);
    body.writeUInt16BE(dest.port, 10);
  } else {
    expandIpv6(source.address).copy(body, 0);
    expandIpv6(dest.address).copy(body, 16);
    body.writeUInt16BE(source.port, 32);
    body.writeUInt16BE(dest.port, 34);
  }
  const head = Buffer.alloc(HEADER_FIXED);
  SIGNATURE.copy(head);
  head[12] = 0x21;
  head[13] = v4 ? 0x11 : 0x21;
  head.writeUInt16BE(body.length, 14);
  return Buffer.concat([head, body]);
}

function expandIpv6(address: string): Buffer {
  const [left, right] = address.split('::') as [string, string | undefined];
  const l = left ? left.split(':') : [];
  const r = right ? right.split(':') : [];
  const groups = [...l, ...Array(8 - l.length - r.length).fill('0'), ...r];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}
