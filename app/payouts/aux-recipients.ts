import { validateAddress } from '../../core/coins/address.js';
import type { CoinDefinition, NetworkName } from '../../core/coins/registry.js';
import type { AuxAddressStore } from '../../core/ports/aux-address-store.js';
import type { Logger } from '../../core/ports/logger.js';

/**
 * Merged mining: an aux coin's ledger credits the parent's mining addresses (the accounts its shares name), and pays
 * each at the aux address its miner gave (core/ports/aux-address-store.ts). The accounts the aux coin's own config
 * names (its fee wallets, which take the dust too) are addresses of the aux coin: paid as themselves, whatever the
 * store says (a parent address spelled like one of them, as regtest's shared versions allow, cannot redirect them).
 */
export interface AuxPayoutAddresses {
  store: Pick<AuxAddressStore, 'listAuxAddresses'>;
  /** The aux coin and the network its addresses must be valid on. */
  coin: CoinDefinition;
  network: NetworkName;
  /** Accounts that are themselves addresses of the aux coin (its fee wallets): paid as themselves. */
  ownAccounts: ReadonlySet<string>;
}

/**
 * Where each of `accounts` is paid: an own account at itself, any other at its stored aux address (its canonical
 * spelling), checked again as an address of the coin (one that is not would fail the payout transaction every
 * pass). An account with neither is left out: its balance accrues until its miner gives an address; the pass logs
 * how many wait, once.
 */
export async function auxPayTo(
  aux: AuxPayoutAddresses,
  accounts: Iterable<string>,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<Map<string, string>> {
  const stored = await aux.store.listAuxAddresses(aux.coin.symbol);
  const out = new Map<string, string>();
  let waiting = 0;
  const invalid: string[] = [];
  for (const account of accounts) {
    if (aux.ownAccounts.has(account)) {
      out.set(account, account);
      continue;
    }
    const given = stored.get(account);
    if (!given) {
      waiting++;
      continue;
    }
    try {
      out.set(account, validateAddress(aux.coin, aux.network, given.address));
    } catch {
      invalid.push(account);
    }
  }
  if (waiting > 0) log.info({ coin: aux.coin.symbol, waiting }, 'accounts wait for an aux payout address');
  if (invalid.length > 0)
    log.warn({ coin: aux.coin.symbol, accounts: invalid }, 'aux payout addresses that are not addresses of the coin');
  return out;
}
