/* No imports: the dashboard (web/src) builds the same text for the miner to sign. */

/**
 * The exact text a miner signs with the key of their mining address (the parent coin's, e.g. LTC) to set where an
 * aux chain's rewards are paid (merged mining). It names the pool (its `pool.name`), the aux coin, the mining address
 * and the aux address, so a signature cannot be moved to another pool, aux coin, account or destination; the signed
 * time is the nonce (core/ledger/signed-aux-address.ts).
 */
export function auxAddressMessage(p: { pool: string; coin: string; account: string; address: string; time: string }) {
  return `edgepool aux payout address\npool: ${p.pool}\ncoin: ${p.coin}\naccount: ${p.account}\nto: ${p.address}\ntime: ${p.time}`;
}
