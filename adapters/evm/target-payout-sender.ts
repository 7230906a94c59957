import { JsonRpcProvider, Wallet } from 'ethers';
import { TARGET_CURRENCIES, type TargetCurrency, type TargetPayoutsConfig } from '../../core/conversion/config.js';
import { ConfigError } from '../../core/errors.js';
import type { PayoutSender } from '../../core/ports/payout-sender.js';
import { DaemonClient } from '../rpc/daemon-client.js';
import { WalletPayoutSender } from '../rpc/wallet-payout-sender.js';
import { EvmPayoutSender } from './evm-payout-sender.js';

/** A conversion target as its payouts need it (conversion.targets[] with a `payouts` block). */
export interface PayingTarget {
  currency: TargetCurrency;
  /** The pool wallet the exchanges' proceeds are withdrawn to: the one payouts must pay from. */
  wallet?: string;
  payouts: TargetPayoutsConfig;
}

export interface TargetSender {
  sender: PayoutSender;
  /**
   * Rejects when the sender must not be used: an EVM token whose decimals() differ from the target's ledger
   * (EvmDecimalsMismatchError). The sender checks it itself before paying; a composition root awaits it at start.
   */
  ready(): Promise<void>;
  /** Lets the JSON-RPC provider go. */
  close(): void;
}

/**
 * The sender of a target's payouts, from its `payouts` block (what the target payouts Lambda and local mode both
 * build): a Bitcoin-family wallet over RPC (adapters/rpc), or the PayoutBatch
 * contract on an EVM chain signed with `privateKey` (the block's own locally, a secret's in AWS), paying the token
 * only if it counts in the ledger's decimals.
 */
export function targetPayoutSender(target: PayingTarget, privateKey?: string): TargetSender {
  const p = target.payouts;
  const decimals = TARGET_CURRENCIES[target.currency];
  if (p.kind === 'wallet-rpc') {
    const daemon = new DaemonClient(p.daemon).withWallet(p.daemon.wallet);
    return { sender: new WalletPayoutSender(daemon, decimals), ready: async () => {}, close: () => {} };
  }
  if (!privateKey) throw new ConfigError(`${target.currency} payouts: no key for the pool wallet (payouts.privateKey)`);
  // Uncached: ethers shares identical calls for 250 ms, which would hide a new block or nonce.
  const provider = new JsonRpcProvider(p.rpcUrl, undefined, { cacheTimeout: -1 });
  const signer = new Wallet(privateKey, provider);
  if (target.wallet && target.wallet.toLowerCase() !== signer.address.toLowerCase()) {
    provider.destroy();
    throw new ConfigError(
      `${target.currency} payouts: the key is of ${signer.address}, but proceeds are withdrawn to ${target.wallet} (wallet)`,
    );
  }
  const sender = new EvmPayoutSender({
    signer,
    rpc: provider,
    batch: p.contract,
    fromBlock: p.deploymentBlock,
    decimals,
    ...(p.token ? { token: p.token } : {}),
    ...(p.gasReserve ? { gasReserve: BigInt(p.gasReserve) } : {}),
  });
  return { sender, ready: () => sender.check(), close: () => provider.destroy() };
}
