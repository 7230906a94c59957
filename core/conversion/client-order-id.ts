/**
 * The client order id of a conversion leg: deterministic (a crashed run finds its order again by it) and short,
 * lowercase alphanumeric, so every exchange takes it (OKX: [a-z0-9]{1,32}; Kraken: free text of at most 18).
 * 'p' + the 16 hex digits of FNV-1a 64 over `<conversion id>#<leg index>`.
 */
export function clientOrderId(conversionId: string, leg: number): string {
  return `p${fnv1a64(`${conversionId}#${leg}`)}`;
}

/** The client reference of a leg's withdrawal (Binance withdrawOrderId, OKX clientId): 'w' + FNV-1a 64, as above. */
export function withdrawalReference(conversionId: string, leg: number): string {
  return `w${fnv1a64(`${conversionId}#withdraw#${leg}`)}`;
}

function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}
