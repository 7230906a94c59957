import { type Allocation, allocate, apportion, mergeWeights } from '../rewards/allocate.js';

/**
 * The pool's conversion fee: a share of what best execution gained over the reference rate, i.e. over what the best
 * single exchange would have given for the same amount (all fees included), scaled to the part that filled.
 * Nothing gained, nothing charged: a miner never pays the pool for a conversion that did no better than one exchange.
 */
export function conversionFee(input: {
  /** Target base units actually received (after exchange and withdrawal fees). */
  received: bigint;
  /** Source base units actually sold, and what was planned. */
  sold: bigint;
  planned: bigint;
  /** The best single exchange's net for the planned amount; undefined when no single exchange could fill it. */
  referenceNet: bigint | undefined;
  feeShareBps: number;
}): bigint {
  const { received, sold, planned, referenceNet, feeShareBps } = input;
  if (referenceNet === undefined || sold <= 0n || planned <= 0n) return 0n;
  const reference = (referenceNet * sold) / planned;
  const gain = received - reference;
  if (gain <= 0n) return 0n;
  return (gain * BigInt(feeShareBps)) / 10_000n;
}

export interface ConversionShare {
  /** The miner's account in the source ledger. */
  account: string;
  /** Where the miner is credited in the target ledger (their address in the target currency). */
  targetAccount: string;
  /** Source base units taken from the miner for this conversion. */
  amount: bigint;
}

export interface ConversionSettlement {
  /** Per miner: the part of their amount that was sold, and what comes back unsold. */
  sold: Array<{ account: string; amount: bigint }>;
  returned: Array<{ account: string; amount: bigint }>;
  /** Target credits: miners (by target account), the fee wallets, and rounding dust to the first fee wallet. */
  credits: Array<{ account: string; role: 'miner' | 'fee' | 'dust'; amount: bigint }>;
  fee: bigint;
}

/**
 * Splits a finished conversion. What did not fill (`unsold` source units) goes back to the miners in proportion to
 * what each put in (largest remainder, so Σ returned = unsold exactly and nobody gets back more than they put in); the proceeds
 * minus the pool's fee go to miners in proportion to what each had sold; the fee is split by fee-wallet weight.
 * Invariants (tested): Σ sold + Σ returned = Σ amounts, Σ credits = received, nothing negative.
 */
export function settleConversion(input: {
  shares: readonly ConversionShare[];
  unsold: bigint;
  received: bigint;
  fee: bigint;
  feeWallets: ReadonlyArray<{ address: string; weight: number }>;
}): ConversionSettlement {
  const { shares, unsold, received, fee } = input;
  const total = shares.reduce((s, x) => s + x.amount, 0n);
  if (unsold < 0n || unsold > total) throw new RangeError(`unsold ${unsold} outside 0..${total}`);
  if (fee < 0n || fee > received) throw new RangeError(`fee ${fee} outside 0..${received}`);
  if (input.feeWallets.length === 0) throw new RangeError('conversion needs at least one fee wallet');
  const weights = new Map<string, bigint>();
  for (const s of shares) {
    if (weights.has(s.account)) throw new RangeError(`${s.account} appears twice in one conversion`);
    if (s.amount <= 0n) throw new RangeError(`${s.account}: amount ${s.amount} is not positive`);
    weights.set(s.account, s.amount);
  }
  const returnedBy = new Map(apportion(unsold, weights).map((p) => [p.account, p.amount]));
  const sold: Allocation[] = [];
  const returned: Allocation[] = [];
  const targetWeights = new Map<string, bigint>();
  for (const [account, amount] of weights) {
    const r = returnedBy.get(account) ?? 0n;
    if (r > 0n) returned.push({ account, amount: r });
    if (amount - r > 0n) sold.push({ account, amount: amount - r });
  }
  for (const s of shares) mergeWeights(targetWeights, s.targetAccount, s.amount - (returnedBy.get(s.account) ?? 0n));
  const miners = allocate(received - fee, targetWeights);
  const feeWeights = new Map<string, bigint>();
  for (const w of input.feeWallets) mergeWeights(feeWeights, w.address, BigInt(w.weight));
  const fees = allocate(fee, feeWeights);
  const credits: ConversionSettlement['credits'] = [
    ...miners.parts.map((p) => ({ ...p, role: 'miner' as const })),
    ...fees.parts.map((p) => ({ ...p, role: 'fee' as const })),
  ];
  const dust = miners.dust + fees.dust;
  if (dust > 0n) credits.push({ account: input.feeWallets[0]!.address, role: 'dust', amount: dust });
  return { sold: sold.sort(byAccount), returned: returned.sort(byAccount), credits, fee };
}

const byAccount = (a: { account: string }, b: { account: string }) => (a.account < b.account ? -1 : 1);
