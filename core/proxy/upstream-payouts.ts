import type { BlockCredit } from '../blocks/block.js';
import { entryId, type LedgerEntry } from '../ledger/entries.js';
import { splitCredits } from '../ledger/plan.js';
import type { RewardsConfig } from '../rewards/config.js';
import { type RoundWeights, splitReward } from '../rewards/schemes.js';

/**
 * Proxy mining's money. The pool mines the upstream pool's jobs and finds no blocks of its own: the upstream credits
 * the pool's account and pays it, to the coin's pool address, in the coin's wallet. Each such payment (an upstream
 * payout) is split among the proxy's miners by their proxied shares, with the pool's fee, exactly like a block
 * (core/rewards `splitReward`): PROP over the shares of the upstream payout period, or PPLNS over the last N shares.
 */

/** How upstream payouts are shared among the proxy's miners (`coins[].proxy.distribution`). */
export const PROXY_DISTRIBUTIONS = ['PPLNS', 'PROP'] as const;
export type ProxyDistribution = (typeof PROXY_DISTRIBUTIONS)[number];

/**
 * pending: recorded, waiting for the coin's payout confirmations (its split may be fixed, its entries may be partly
 * written: the next pass completes them); credited: every entry written; settled: buried deep enough that it is no
 * longer watched for a reorg; ignored: below `proxy.minimumPayment`, recorded so it is read once and never split
 * (anyone can send dust to the pool address: split, each would be one ledger entry per miner).
 */
export type UpstreamPayoutStatus = 'pending' | 'credited' | 'settled' | 'ignored';

/** One output the upstream paid the pool (recorded once, by `<txid>:<vout>`). */
export interface UpstreamPayout {
  /** `<txid>:<vout>`: one output of one transaction, whatever else the transaction pays. */
  id: string;
  txid: string;
  vout: number;
  /** Base units the output pays the pool address. */
  amount: bigint;
  status: UpstreamPayoutStatus;
  /** When the pass first saw it in the wallet (ms). */
  seenAt: number;
  /**
   * The block height the transaction was in when its split was fixed: the end of its PROP period and of its PPLNS
   * window (proxied shares are summed per round = the upstream job's height, on the same chain).
   */
  height?: number;
  /** Who gets what of it, fixed once (miners, fee wallets, dust): Σ = amount. */
  credits?: BlockCredit[];
}

/** A wallet entry the pass reads (Core's listsinceblock `transactions[]`, one per output and direction). */
export interface WalletReceipt {
  txid: string;
  vout: number;
  address?: string;
  /** Core's categories: receive, send, generate, immature, orphan. */
  category: string;
  /** Base units, positive for receipts (negative for sends, as the wallet reports them). */
  amount: bigint;
}

/** The id of an upstream payout: its output. */
export const upstreamPayoutId = (txid: string, vout: number): string => `${txid}:${vout}`;

/**
 * The wallet's entries that are upstream payouts: outputs received at the pool address from someone else's
 * transaction. Not: coinbases (`generate`/`immature`/`orphan`: the pool's own blocks, e.g. solo fallback), and not
 * any output of a transaction the wallet itself sent (`send` entries: a payout's or a conversion deposit's change, a
 * transfer between the wallet's own addresses), which is the pool's money moving, not income.
 */
export function upstreamReceipts(entries: readonly WalletReceipt[], poolAddress: string): WalletReceipt[] {
  const ownTx = new Set(entries.filter((e) => e.category === 'send').map((e) => e.txid));
  const seen = new Set<string>();
  const out: WalletReceipt[] = [];
  for (const e of entries) {
    if (e.category !== 'receive' || e.address !== poolAddress || ownTx.has(e.txid) || e.amount <= 0n) continue;
    const id = upstreamPayoutId(e.txid, e.vout);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  return out;
}

/** How a receipt is recorded: split among the miners (pending), or left alone (ignored) below the minimum. */
export const receiptStatus = (amount: bigint, minimumPayment: bigint): UpstreamPayoutStatus =>
  amount < minimumPayment ? 'ignored' : 'pending';

/**
 * The split of one upstream payout: splitReward with the coin's fee rules over the proxied rounds up to `height`
 * (newest first, as confirmation reads them), PROP from after `previousHeight`, PPLNS over a window of
 * pplnsWindowFactor × `networkDifficulty` (share units). No finder bonus (the pool found no block). A payout with
 * no shares behind it (none in its period or window) goes whole to the first fee wallet: every unit is accounted
 * for, and no miner is paid for work it did not do.
 */
export function splitUpstreamPayout(
  payout: Pick<UpstreamPayout, 'id' | 'amount'>,
  at: { height: number; networkDifficulty: number; previousHeight: number },
  rounds: readonly RoundWeights[],
  rewards: RewardsConfig,
  distribution: ProxyDistribution,
): BlockCredit[] {
  if (payout.amount <= 0n) throw new RangeError(`upstream payout ${payout.id}: amount is not positive`);
  const cfg: RewardsConfig = { ...rewards, scheme: distribution, finderBonusBasisPoints: 0 };
  const split = splitReward(
    {
      height: at.height,
      hash: payout.id,
      reward: payout.amount,
      networkDifficulty: at.networkDifficulty,
      finder: rewards.feeWallets[0]!.address,
    },
    rounds.filter((r) => r.height <= at.height),
    cfg,
    at.previousHeight,
  );
  return splitCredits(split);
}

/** The ledger entries of an upstream payout's split: `upstream:<txid>:<vout>:<role>:<account>`, confirmed at once. */
export function upstreamEntries(payout: Pick<UpstreamPayout, 'id'>, credits: readonly BlockCredit[], time: number) {
  return credits.map((c): LedgerEntry => {
    if (c.amount <= 0n) throw new RangeError(`upstream payout ${payout.id}: credit of ${c.account} is not positive`);
    return {
      id: entryId('upstream', payout.id, c.role, c.account),
      account: c.account,
      kind: 'upstream',
      role: c.role,
      amount: c.amount,
      ref: payout.id,
      time,
    };
  });
}
