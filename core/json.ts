/** A JSON-safe copy: bigint amounts become decimal strings (JSON has no bigint; money must not become a float). */
export function jsonSafe<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
}
