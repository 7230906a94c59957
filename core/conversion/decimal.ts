/**
 * Exact decimals at the exchange boundary. Exchange libraries hand order books over as JavaScript numbers; each
 * number is turned into its shortest round-trip decimal string (what the exchange sent, e.g. "0.00123") and parsed
 * exactly from there, so no float arithmetic ever touches an amount or a price.
 */

/** An exact decimal: value = digits / 10^scale. */
export interface Decimal {
  digits: bigint;
  scale: number;
}

/** Parses "12.345", "-0.1", "1e-7", "2.5E+3" or a finite number (via its shortest round-trip string). */
export function parseDecimal(value: string | number): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const s = String(value).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`not a decimal: ${s}`);
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0');
  let digits = BigInt(`${int}${frac}` || '0');
  let scale = frac.length - exp;
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits: m[1] === '-' ? -digits : digits, scale };
}

/** `value × 10^decimals`, floored: a whole-unit decimal ("1.5" LTC) → base units (150000000). */
export function toUnits(value: string | number | Decimal, decimals: number): bigint {
  const d = typeof value === 'object' ? value : parseDecimal(value);
  return floorDiv(d.digits * 10n ** BigInt(decimals), 10n ** BigInt(d.scale));
}

/** Base units → exact decimal string ("150000000", 8 → "1.5"), trailing zeros dropped. */
export function formatUnits(units: bigint, decimals: number): string {
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const scale = 10n ** BigInt(decimals);
  const frac = (abs % scale).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${abs / scale}${frac ? `.${frac}` : ''}`;
}

/** Floor division for bigints of any sign (BigInt `/` truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  return -floorDiv(-a, b);
}
