/** Addresses remembered per server: a farm's thousands of connections name a few payout addresses. */
const MAX_ADDRESSES = 4096;
/** User agents remembered per process: a few firmware names across every connection. */
const MAX_USER_AGENTS = 1024;

/**
 * `make` with a memory: each key is made once and every caller with an equal key gets the same value (the same
 * string, when it is one: one copy for every connection holding it). A `make` that throws is not remembered. Bounded:
 * emptied when `max` keys are held.
 */
export function remembered<T>(make: (key: string) => T, max: number): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    const known = made.get(key);
    if (known !== undefined) return known;
    const value = make(key);
    if (made.size >= max) made.clear();
    made.set(key, value);
    return value;
  };
}

/**
 * A port's address check with a memory: each address given is validated once and every connection naming it holds
 * the same canonical string, flat (a bech32 encoder builds it a character at a time: a rope of ~45 pieces, 1.5 KiB,
 * if kept as made). The connect burst of 19,800 miners over 256 addresses made 19,800 decodes and encodes of garbage
 * and 19,800 copies of 256 strings; now 256. Refused addresses are not remembered (they throw each time).
 */
export function rememberedAddresses(validate: (address: string) => string): (address: string) => string {
  return remembered((address) => flat(validate(address)), MAX_ADDRESSES);
}

/** A miner's user agent (mining.subscribe), one string for every connection of the same firmware. */
export const userAgent: (agent: string) => string = remembered((agent) => flat(agent), MAX_USER_AGENTS);

/** The same text as one flat string (a rope's or a slice's characters copied once, detached from the line). */
function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
