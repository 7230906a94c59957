/** Addresses remembered per server: a farm's thousands of connections name a few payout addresses. */
const MAX_ADDRESSES = 4096;

/**
 * A port's address check with a memory: each address given is validated once and every connection naming it holds
 * the same canonical string, flat (a bech32 encoder builds it a character at a time: a rope of ~45 pieces, 1.5 KiB,
 * if kept as made). The connect burst of 19,800 miners over 256 addresses made 19,800 decodes and encodes of garbage
 * and 19,800 copies of 256 strings; now 256. Refused addresses are not remembered (they throw each time). Bounded:
 * emptied when full.
 */
export function rememberedAddresses(validate: (address: string) => string): (address: string) => string {
  const canonical = new Map<string, string>();
  return (address) => {
    const known = canonical.get(address);
    if (known !== undefined) return known;
    const made = flat(validate(address));
    if (canonical.size >= MAX_ADDRESSES) canonical.clear();
    canonical.set(address, made);
    return made;
  };
}

/** The same text as one flat string (a rope's pieces copied once). */
function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}
