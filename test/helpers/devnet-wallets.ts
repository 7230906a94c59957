import type { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { ensureWallet } from '../../local/devnet/chain.js';
import type { Devnet } from '../../local/devnet/index.js';

/**
 * Two wallets on node A for payout tests: `payer` with four confirmed coins of 5 LTC (each send has one to spend)
 * and `payees`, whose new addresses are the recipients.
 */
export async function payerAndPayees(devnet: Devnet): Promise<{ payer: DaemonClient; payees: DaemonClient }> {
  const [payer, payees] = await Promise.all([
    ensureWallet(devnet.clientA, 'payer'),
    ensureWallet(devnet.clientA, 'payees'),
  ]);
  for (let i = 0; i < 4; i++) await devnet.minerWallet.sendToAddress(await payer.getNewAddress('', 'bech32'), 5);
  await devnet.mine(1);
  return { payer, payees };
}

/**
 * Makes `n` distinct wallet transactions newer than anything the wallet holds, cheaply: the coinbases of `n` blocks
 * mined to one of its addresses (what a pool wallet receives as it finds blocks). Returns once node B has them too.
 */
export async function buryUnderWalletTransactions(devnet: Devnet, wallet: DaemonClient, n: number): Promise<void> {
  await devnet.mine(n, await wallet.getNewAddress('', 'bech32'));
}
