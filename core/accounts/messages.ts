/**
 * The message a mining address's key signs to join an account (issue 19): it names the pool, the account and the
 * address, so a signature cannot be replayed on another pool or to put the address in another account; `time` (ISO
 * 8601 UTC) bounds its life (core/coins/signed-request.ts).
 */
export function identityMessage(p: { pool: string; account: string; coin: string; address: string; time: string }) {
  return `${p.pool} account ${p.account}: add ${p.coin} address ${p.address} at ${p.time}`;
}
