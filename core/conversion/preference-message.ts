/* No imports: the dashboard (web/src) builds the same text for the miner to sign. */

/**
 * The exact text a miner signs with the key of their mining address ("Sign message" in Litecoin Core, Electrum…).
 * It names the pool (its `pool.name`, one per deployment), the coin, the mining address and the whole choice, so a
 * signature cannot be moved to another pool, coin, account or destination; the signed time is the nonce (see
 * checkSignedPreference).
 */
export function preferenceMessage(p: {
  pool: string;
  coin: string;
  account: string;
  currency: string;
  address: string;
  time: string;
}) {
  const to = p.currency === p.coin ? '(stop converting)' : p.address;
  return `edgepool payout currency\npool: ${p.pool}\ncoin: ${p.coin}\naccount: ${p.account}\ncurrency: ${p.currency}\nto: ${to}\ntime: ${p.time}`;
}
