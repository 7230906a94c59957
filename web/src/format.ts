import { parseDecimal, toUnits } from '../../core/conversion/decimal.js';

/** Decimals always shown: a coin of 8 decimals shows all of them, one of 18 (wei) at least these 8. */
const SHOWN_DECIMALS = 8;

/**
 * Display helpers: amounts stay exact (decimal strings of base units → coins), hashrates get units. Digits past
 * SHOWN_DECIMALS appear only when they are not zero (5 ETC is 5.00000000, one wei 0.000000000000000001).
 */
export function coins(units: string, decimals = 8): string {
  const neg = units.startsWith('-');
  const digits = (neg ? units.slice(1) : units).padStart(decimals + 1, '0');
  const whole = decimals === 0 ? digits : digits.slice(0, -decimals);
  const keep = Math.min(decimals, SHOWN_DECIMALS);
  const fraction = decimals === 0 ? '' : digits.slice(-decimals).replace(/0+$/, '').padEnd(keep, '0');
  return `${neg ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * What a miner typed as an amount of coins ("0.5") → base units, exactly (the inverse of `coins`). Refused, never
 * rounded: a negative amount, or digits past the coin's decimals.
 */
export function unitsOf(text: string, decimals: number): bigint {
  const d = parseDecimal(text);
  if (d.digits < 0n) throw new RangeError(`${text} is negative`);
  if (d.scale > decimals && d.digits % 10n ** BigInt(d.scale - decimals) !== 0n)
    throw new RangeError(`${text} has more than ${decimals} decimals`);
  return toUnits(d, decimals);
}

/** Divides by 1000 until below 1000 (or out of units): [value, unit index]. */
function scaled(value: number, units: number): [number, number] {
  let v = value;
  let i = 0;
  while (v >= 1000 && i < units - 1) {
    v /= 1000;
    i++;
  }
  return [v, i];
}

const HASHRATE_UNITS = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s'];
export function hashrate(hs: number): string {
  const [v, i] = scaled(hs, HASHRATE_UNITS.length);
  return `${v.toFixed(v >= 100 ? 0 : 2)} ${HASHRATE_UNITS[i]}`;
}

const DIFFICULTY_UNITS = ['', ' k', ' M', ' G', ' T', ' P'];
/** Network difficulty as explorers show it: 4 significant digits, then k/M/G/T/P. */
export function difficulty(d: number): string {
  const [v, i] = scaled(d, DIFFICULTY_UNITS.length);
  return `${Number(v.toPrecision(4))}${DIFFICULTY_UNITS[i]}`;
}

/**
 * A ready-to-paste miner command for a port of a coin: pooler's cpuminer for what a CPU can mine (scrypt, sha256d on
 * a devnet), lolMiner for etchash (GPU only; it speaks EthereumStratum/1.0.0 by default, the ETC port both dialects).
 */
export function minerCommand(algorithm: string, port: { host: string; port: number; tls: boolean }): string {
  if (algorithm === 'etchash') {
    return `lolMiner --algo ETCHASH --pool ${port.host}:${port.port}${port.tls ? ' --tls on' : ''} --user YOUR_ADDRESS.worker`;
  }
  return `minerd -a ${algorithm} -o ${port.tls ? 'stratum+ssl' : 'stratum+tcp'}://${port.host}:${port.port} -u YOUR_ADDRESS.worker -p x`;
}

/** A worker whose refused shares are at least this share of all it sent is highlighted on its miner page. */
export const HIGH_REFUSED_SHARE = 0.1;

/**
 * The worker's refused shares (stale, invalid, duplicate) as a share of all it sent: "4.8%", and whether that is
 * high (a miner on the wrong clock, a bad overclock, a miner too slow to switch jobs). "—" when it sent none.
 */
export function refusedShare(w: { accepted: number; stale: number; invalid: number; duplicate: number }): {
  text: string;
  high: boolean;
} {
  const refused = w.stale + w.invalid + w.duplicate;
  const all = w.accepted + refused;
  if (all === 0) return { text: '—', high: false };
  const share = refused / all;
  return { text: `${(Math.round(share * 1000) / 10).toString()}%`, high: share >= HIGH_REFUSED_SHARE };
}

/** A moment in the reader's own time zone and format. */
export const localTime = (ms: number): string => new Date(ms).toLocaleString();

export function ago(ms: number, now = Date.now()): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Everything that comes from the API goes through this before it reaches innerHTML. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c]!);
}
