import { REFUSALS_PER_BATCH, takeOldest } from './refusals.js';
import type { AuxAddressClaim } from './share.js';

/**
 * Merged mining: the aux payout addresses miners give in their password (`doge=<address>`), on their way from the
 * stratum server to ingest (`ShareBatch.auxAddresses`). Ingest keeps the first one per miner and aux coin, so what
 * travels only has to keep the order claims were made in; the same claim again (every worker of a miner authorizes
 * with the same password) travels once.
 */

/** Most claims one batch carries (the batch schema's bound, as for refused-share counts). */
export const AUX_ADDRESSES_PER_BATCH = REFUSALS_PER_BATCH;

const claimKey = (c: AuxAddressClaim) => `${c.miner}\u0000${c.coin}\u0000${c.address}`;

/**
 * Claims in the order they were made, each once, until `take`. Bounded like the refusal tally: past `maxClaims`
 * distinct claims a new one is dropped (and counted in `dropped`), so a flood of authorizations between two batches
 * cannot grow memory. A dropped claim costs nothing but the address: the miner's next authorize offers it again.
 */
export class AuxAddressTally {
  private claims = new Map<string, AuxAddressClaim>();
  dropped = 0;

  constructor(readonly maxClaims = 10_000) {}

  get size(): number {
    return this.claims.size;
  }

  /** false when the claim was dropped (the tally is full); a claim already held is kept once. */
  add(claim: AuxAddressClaim): boolean {
    const key = claimKey(claim);
    if (this.claims.has(key)) return true;
    if (this.claims.size >= this.maxClaims) {
      this.dropped += 1;
      return false;
    }
    this.claims.set(key, { miner: claim.miner, coin: claim.coin, address: claim.address });
    return true;
  }

  addAll(claims: readonly AuxAddressClaim[]): void {
    for (const c of claims) this.add(c);
  }

  /** Up to `max` claims, oldest first, removed from the tally; the rest wait for the next take. */
  take(max = AUX_ADDRESSES_PER_BATCH): AuxAddressClaim[] {
    return takeOldest(this.claims, max);
  }
}
