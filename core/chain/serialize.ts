/**
 * Bitcoin wire serialization primitives: CompactSize ("varint") and script-number pushes.
 */

/** CompactSize: 1, 3, 5 or 9 bytes (0xfd/0xfe/0xff prefixes, little-endian). */
export function encodeVarint(n: number | bigint): Buffer {
  const v = BigInt(n);
  if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`varint out of range: ${n}`);
  if (v < 0xfdn) return Buffer.from([Number(v)]);
  if (v <= 0xffffn) {
    const b = Buffer.alloc(3);
    b[0] = 0xfd;
    b.writeUInt16LE(Number(v), 1);
    return b;
  }
  if (v <= 0xffffffffn) {
    const b = Buffer.alloc(5);
    b[0] = 0xfe;
    b.writeUInt32LE(Number(v), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = 0xff;
  b.writeBigUInt64LE(v, 1);
  return b;
}

/** Reads a CompactSize at `offset`; returns the value and the number of bytes it took. */
export function decodeVarint(buf: Uint8Array, offset = 0): { value: number; size: number } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const first = b[offset];
  if (first === undefined) throw new RangeError('varint past the end of the buffer');
  if (first < 0xfd) return { value: first, size: 1 };
  const size = first === 0xfd ? 3 : first === 0xfe ? 5 : 9;
  if (offset + size > b.length) throw new RangeError('varint past the end of the buffer');
  if (first === 0xfd) return { value: b.readUInt16LE(offset + 1), size };
  if (first === 0xfe) return { value: b.readUInt32LE(offset + 1), size };
  const big = b.readBigUInt64LE(offset + 1);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('varint larger than a safe integer');
  return { value: Number(big), size };
}

/**
 * The minimal script push of a non-negative number, as BIP34 requires for the coinbase height
 * (CScript() << nHeight): OP_0 / OP_1..OP_16 for 0..16, else a length byte and the little-endian
 * sign-magnitude bytes (an extra 0x00 when the top bit is set, so the number stays positive).
 */
export function scriptNumberPush(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`script number must be a non-negative integer: ${n}`);
  if (n === 0) return Buffer.from([0x00]);
  if (n <= 16) return Buffer.from([0x50 + n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.push(v % 256);
  if ((bytes.at(-1)! & 0x80) !== 0) bytes.push(0x00);
  return Buffer.from([bytes.length, ...bytes]);
}

/** Reads back the number a scriptNumberPush wrote at the start of `script` (for checks and tests). */
export function readScriptNumberPush(script: Uint8Array): { value: number; size: number } {
  const op = script[0];
  if (op === undefined) throw new RangeError('empty script');
  if (op === 0x00) return { value: 0, size: 1 };
  if (op >= 0x51 && op <= 0x60) return { value: op - 0x50, size: 1 };
  if (op < 1 || op > 8 || script.length < 1 + op)
    throw new RangeError(`not a small number push: opcode 0x${op.toString(16)}`);
  let value = 0;
  for (let i = op; i >= 1; i--) value = value * 256 + script[i]!;
  if ((script[op]! & 0x80) !== 0) throw new RangeError('negative script number');
  return { value, size: 1 + op };
}
