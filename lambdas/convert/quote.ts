import { TARGET_CURRENCIES, type TargetCurrency } from '../../core/conversion/config.js';
import { formatUnits } from '../../core/conversion/decimal.js';
import { bestExecution } from '../../core/conversion/execution.js';
import { conversionFee } from '../../core/conversion/proceeds.js';
import { boundsOf, type ConvertDeps, readBooks } from './convert.js';

export interface ConversionQuote {
  target: string;
  /** What `amount` of the coin would bring now, after exchange, withdrawal and pool fees (decimal, whole units). */
  net?: string;
  /** net per whole coin. */
  rate?: string;
  poolFee?: string;
  exchanges?: string[];
  slippageBps?: string;
  /** Why the pool would not convert now (stale, spread, slippage, depth…). */
  refused?: string;
}

/**
 * What the dashboard shows a miner choosing a payout currency: for each configured target, what `amount` base units
 * of the coin would bring if converted now, with the same best execution and bounds as the scheduled pass.
 */
export async function conversionQuotes(
  deps: Pick<ConvertDeps, 'coin' | 'decimals' | 'config' | 'exchanges' | 'log' | 'now'>,
  amount: bigint,
): Promise<ConversionQuote[]> {
  const out: ConversionQuote[] = [];
  for (const { currency } of deps.config.targets) {
    const target = currency as TargetCurrency;
    const decimals = TARGET_CURRENCIES[target];
    const books = await readBooks(deps, `${deps.coin}/${target}`, target, {
      sourceDecimals: deps.decimals,
      targetDecimals: decimals,
    });
    const plan = bestExecution(amount, books, boundsOf(deps.config), deps.now());
    if (!plan.ok) {
      out.push({ target, refused: `${plan.reason}: ${plan.detail}` });
      continue;
    }
    const poolFee = conversionFee({
      received: plan.net,
      sold: amount,
      planned: amount,
      referenceNet: plan.bestSingle?.net,
      feeShareBps: deps.config.feeShareBps,
    });
    const net = plan.net - poolFee;
    out.push({
      target,
      net: formatUnits(net, decimals),
      rate: formatUnits((net * 10n ** BigInt(deps.decimals)) / amount, decimals),
      poolFee: formatUnits(poolFee, decimals),
      exchanges: plan.legs.map((l) => l.exchange),
      slippageBps: plan.slippageBps.toString(),
    });
  }
  return out;
}
