/**
 * Hex of a share's fields, read in one pass without a regular expression, an intermediate string or a Buffer: each
 * function checks the characters while it reads them, so a field is validated and parsed by the same loop (the share
 * path's budget is ~30,000 instructions a share; docs/performance.md).
 */

/** The value of one hex digit's character code (0-9, a-f, A-F), or -1. */
export function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20; // 'A'..'F' → 'a'..'f'; no other code lands in 'a'..'f'
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x57;
  return -1;
}

/** Exactly 8 hex digits (a stratum ntime, nonce or version field) as an unsigned 32-bit number; -1 otherwise. */
export function hexU32(value: unknown): number {
  if (typeof value !== 'string' || value.length !== 8) return -1;
  let n = 0;
  for (let i = 0; i < 8; i++) {
    const d = hexDigit(value.charCodeAt(i));
    if (d < 0) return -1;
    n = (n << 4) | d;
  }
  return n >>> 0;
}

/** Whether `value` is a string of exactly `bytes` bytes of hex (2 × bytes digits, either case). */
export function isHexBytes(value: unknown, bytes: number): value is string {
  if (typeof value !== 'string' || value.length !== bytes * 2) return false;
  for (let i = 0; i < value.length; i++) if (hexDigit(value.charCodeAt(i)) < 0) return false;
  return true;
}

/**
 * Writes the bytes of `hex` (exactly 2 × `bytes` digits) into `out` at `offset`; false, with `out` partly written,
 * when `hex` is not that. The caller's buffer is its own scratch: nothing is allocated.
 */
export function hexInto(hex: string, bytes: number, out: Uint8Array, offset: number): boolean {
  if (hex.length !== bytes * 2 || offset + bytes > out.length) return false;
  for (let i = 0; i < bytes; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return false;
    out[offset + i] = (hi << 4) | lo;
  }
  return true;
}
