/**
 * The client order id of a conversion leg: deterministic (a crashed run finds its order again by it) and short,
 * lowercase alphanumeric, so every exchange takes it (OKX: [a-z0-9]{1,32}; Kraken: free text of at most 18).
 * 'p' + the 16 hex digits of FNV-1a 64 over `<conversion id>#<leg index>`.
 */
export function clientOrderId(conversionId: string, leg: number): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(`${conversionId}#${leg}`)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `p${h.toString(16).padStart(16, '0')}`;
}
