/** Display helpers: amounts stay exact (decimal strings of base units → coins), hashrates get units. */
export function coins(units: string, decimals = 8): string {
  const neg = units.startsWith('-');
  const digits = (neg ? units.slice(1) : units).padStart(decimals + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
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
