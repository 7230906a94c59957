import { levelsFrom, type MarketUnits, type VenueBook } from '../../core/conversion/book.js';
import { clientOrderId, withdrawalReference } from '../../core/conversion/client-order-id.js';
import { type ConversionConfig, TARGET_CURRENCIES, type TargetCurrency } from '../../core/conversion/config.js';
import { formatUnits, toUnits } from '../../core/conversion/decimal.js';
import { type DepositRecord, depositId } from '../../core/conversion/deposit.js';
import { accountsInOpenPayouts, effectivePreferences } from '../../core/conversion/exclusion.js';
import { bestExecution } from '../../core/conversion/execution.js';
import { leftoverKey, unsoldOfLeg } from '../../core/conversion/inventory.js';
import type { ConversionShare } from '../../core/conversion/proceeds.js';
import {
  type ConversionFill,
  type ConversionRecord,
  type ConversionWithdrawal,
  conversionId,
  convertOutEntries,
  feeOf,
  settle,
  settlementEntries,
  withdrawalsDue,
} from '../../core/conversion/record.js';
import { ConfigError } from '../../core/errors.js';
import { ExchangeRejectedError, ExchangeUnavailableError } from '../../core/ports/exchange.js';
import { isInternalAccount } from '../../core/rewards/schemes.js';
import { withDebitLease } from '../shared/debit-lease.js';
import { depositLegs } from './deposit.js';
import { boundsOf, type ConvertDeps } from './deps.js';
import { changeInventory } from './inventory.js';
import { recordQuote } from './quote.js';
import { saleLegs } from './sale-price.js';

export interface ConvertReport {
  conversions: Array<{ id: string; status: string; sold?: string; received?: string; fee?: string }>;
  refused: Array<{ target: string; reason: string; detail: string }>;
  /** Deposits not credited yet: how many, and how long the oldest has waited (ms; 0 when none). */
  depositsWaiting: { count: number; oldestMs: number };
  /** Conversions still open after this pass: how many, and how long since the oldest was planned (ms; 0: none). */
  open: { count: number; oldestMs: number };
}

/**
 * One conversion pass for a coin (EventBridge schedule). First every open conversion is moved on (a crash or an
 * unreachable exchange left it there); only when none is open is a new one planned per target currency: the
 * opted-in miners' confirmed balances above the minimum, sold with best execution across the enabled exchanges.
 * Each target's books also give its quote, stored every run (app/convert/quote.ts).
 * Exactly once: a conversion id comes from the schedule slot, so a retried event plans the same record; money moves
 * only through conditional status changes; orders carry deterministic client order ids and a conversion found in
 * `ordered` looks every leg up before placing it.
 */
export async function runConversions(deps: ConvertDeps, event: { time?: string } = {}): Promise<ConvertReport> {
  const report: ConvertReport = {
    conversions: [],
    refused: [],
    depositsWaiting: { count: 0, oldestMs: 0 },
    open: { count: 0, oldestMs: 0 },
  };
  const open = await deps.store.listOpenConversions(deps.coin);
  for (const r of open) report.conversions.push(await advance(deps, r));
  const inFlight = report.conversions.some((c) => c.status !== 'credited'); // one batch in flight per coin
  const eventTime = event.time ? Date.parse(event.time) : deps.now();
  for (const { currency: target } of deps.config.targets) {
    // Books first, outside the lease: the exchanges may be slow, the payouts pass should not wait for them. Every
    // run quotes from them, also when it has nothing to convert (the stats API shows the stored quote).
    const books = await readBooks(deps, `${deps.coin}/${target}`, target, unitsOf(deps, target));
    await recordQuote(deps, target, books, boundsOf(deps.config));
    if (inFlight) continue;
    const planned = await plan(deps, target, eventTime, books);
    if (!planned) continue;
    if ('reason' in planned) {
      report.refused.push(planned);
      deps.log.warn(planned, 'conversion refused');
      continue;
    }
    report.conversions.push(await advance(deps, planned));
  }
  report.depositsWaiting = await depositsWaiting(deps);
  const still = await deps.store.listOpenConversions(deps.coin);
  const now = deps.now();
  report.open = { count: still.length, oldestMs: still.reduce((m, r) => Math.max(m, now - r.createdAt), 0) };
  return report;
}

/**
 * Deposits of the open conversions not credited yet: what the operator's alarm watches (lambdas/convert/handler.ts
 * emits it as a metric). Only conversions still `pending` can have one.
 */
async function depositsWaiting(deps: ConvertDeps): Promise<ConvertReport['depositsWaiting']> {
  const pending = (await deps.store.listOpenConversions(deps.coin)).filter((r) => r.status === 'pending');
  const deposits = await Promise.all(
    pending.flatMap((r) => r.legs.map((_, leg) => deps.store.getDeposit(deps.coin, depositId(r.id, leg)))),
  );
  const waiting = deposits.filter((d) => d !== undefined && d.status !== 'credited') as DepositRecord[];
  const now = deps.now();
  return { count: waiting.length, oldestMs: waiting.reduce((m, d) => Math.max(m, now - d.createdAt), 0) };
}

async function plan(
  deps: ConvertDeps,
  target: TargetCurrency,
  eventTime: number,
  books: readonly VenueBook[],
): Promise<ConversionRecord | { target: string; reason: string; detail: string } | undefined> {
  const { coin, config, store } = deps;
  const id = conversionId(coin, target, eventTime, config.scheduleMinutes);
  const existing = await store.getConversion(coin, id);
  if (existing) return existing.status === 'credited' ? undefined : existing;
  if ((await optedIn(deps, target)).length === 0) return undefined;
  const market = `${coin}/${target}`;
  // Choose and take the balances under the debit lease, the payouts pass's too (core/conversion/exclusion.ts).
  const leased = await withDebitLease({ ...deps, ...deps.lease }, async () => {
    const shares = await sharesOf(deps, target);
    if (shares.length === 0) return undefined;
    const amount = shares.reduce((s, x) => s + x.amount, 0n);
    const result = bestExecution(amount, books, boundsOf(config), deps.now());
    if (!result.ok) return { target, reason: result.reason, detail: result.detail };
    const now = deps.now();
    const record: ConversionRecord = {
      id,
      source: coin,
      target,
      market,
      status: 'pending',
      shares,
      amount,
      legs: result.legs.map((l, i) => ({
        exchange: l.exchange,
        amount: l.amount,
        limitPriceText: l.limitPriceText,
        clientOrderId: clientOrderId(id, i),
        expectedNet: l.net,
        withdrawalFee: l.withdrawalFee,
        takerFeeBps: books.find((b) => b.exchange === l.exchange)!.takerFeeBps,
      })),
      ...(result.bestSingle ? { referenceNet: result.bestSingle.net } : {}),
      createdAt: now,
      updatedAt: now,
    };
    if (!(await store.createConversion(coin, record))) return store.getConversion(coin, id);
    // The coins leave `confirmed` before the lease is given back (advance writes them again, idempotently).
    await deps.money.putEntries(coin, convertOutEntries(record, now));
    deps.log.info(
      { conversion: id, amount: amount.toString(), net: result.net.toString(), legs: record.legs.length },
      'conversion planned',
    );
    return record;
  });
  if (!leased.held) return { target, reason: 'busy', detail: 'a payouts pass holds the debit lease' };
  return leased.value;
}

/**
 * Miners opted in to `target`: by a signed preference, or (a switching port's foreign accounts) by the port's rule.
 * The balances are read only when the coin has foreign accounts (to find them).
 */
async function optedIn(deps: ConvertDeps, target: TargetCurrency, balances?: Map<string, unknown>) {
  const [signed, accounts] = await Promise.all([
    deps.store.listPreferences(deps.coin),
    deps.foreign ? (balances ?? deps.money.listBalances(deps.coin)) : new Map<string, unknown>(),
  ]);
  return effectivePreferences(deps.coin, signed, accounts.keys(), deps.foreign).filter(
    (p) => p.currency === target && !isInternalAccount(p.account),
  );
}

/** Opted-in miners' confirmed balances at or above the minimum, leaving out recipients of payouts in flight. */
async function sharesOf(deps: ConvertDeps, target: TargetCurrency): Promise<ConversionShare[]> {
  const [balances, payouts] = await Promise.all([
    deps.money.listBalances(deps.coin),
    deps.money.listOpenPayouts(deps.coin),
  ]);
  const prefs = await optedIn(deps, target, balances);
  const paying = accountsInOpenPayouts(payouts);
  const minimum = BigInt(deps.config.minimum);
  return prefs
    .filter((p) => !paying.has(p.account))
    .map((p) => ({ account: p.account, targetAccount: p.address, amount: balances.get(p.account)?.confirmed ?? 0n }))
    .filter((s) => s.amount >= minimum && s.amount > 0n)
    .sort((a, b) => (a.account < b.account ? -1 : 1));
}

function unitsOf(deps: Pick<ConvertDeps, 'decimals'>, target: TargetCurrency): MarketUnits {
  return { sourceDecimals: deps.decimals, targetDecimals: TARGET_CURRENCIES[target] };
}

/** Every enabled exchange's book for the market; an exchange that does not answer is left out of this run. */
export async function readBooks(
  deps: Pick<ConvertDeps, 'config' | 'exchanges' | 'log'>,
  market: string,
  target: TargetCurrency,
  units: MarketUnits,
) {
  const books: VenueBook[] = [];
  await Promise.all(
    deps.config.exchanges.map(async (e) => {
      const client = deps.exchanges.get(e.id);
      if (!client) return;
      try {
        const b = await client.fetchOrderBook(market);
        books.push({
          exchange: e.id,
          bids: levelsFrom(b.bids, units),
          asks: levelsFrom(b.asks, units),
          fetchedAt: b.fetchedAt,
          takerFeeBps: e.takerFeeBps,
          withdrawalFee: BigInt(e.withdrawalFees[target] ?? '0'),
        });
      } catch (err) {
        deps.log.warn({ exchange: e.id, market, err: (err as Error).message }, 'order book unavailable');
      }
    }),
  );
  return books;
}

async function advance(deps: ConvertDeps, r: ConversionRecord): Promise<ConvertReport['conversions'][number]> {
  const { coin, store, money } = deps;
  let status = r.status;
  let fills = r.fills;
  if (status === 'pending') {
    // The coins leave `confirmed` before any order exists (idempotent: deterministic entry ids).
    await money.putEntries(coin, convertOutEntries(r, deps.now()));
    deps.crashAt?.('after-convert-out');
    // Legs on exchanges with `deposit` sell coins the pool sends there first: wait until the exchanges credit them.
    if (!(await depositLegs(deps, r))) return { id: r.id, status: 'depositing' };
    // A conversion that waited (for deposits, after a crash) sells at the book's current price, within the bounds.
    const legs = await saleLegs(deps, r);
    if (!legs) return { id: r.id, status: 'pricing' };
    if (!(await store.transitionConversion(coin, r.id, 'pending', 'ordered', legs === r.legs ? {} : { legs }))) {
      return { id: r.id, status: 'busy' };
    }
    r = { ...r, legs };
    status = 'ordered';
    deps.crashAt?.('after-ordered');
  }
  if (status === 'ordered') {
    const got = await placeLegs(deps, r);
    if (!got) return { id: r.id, status: 'ordered' }; // an exchange did not answer: reconciled on the next run
    if (!(await store.transitionConversion(coin, r.id, 'ordered', 'filled', { fills: got }))) {
      return { id: r.id, status: 'busy' };
    }
    status = 'filled';
    fills = got;
    deps.crashAt?.('after-filled');
  }
  const target = deps.config.targets.find((t) => t.currency === r.target);
  if (!target) throw new ConfigError(`conversion ${r.id}: target ${r.target} is no longer configured`);
  if (status === 'filled') {
    // Miners are credited only once the proceeds are on their way to the pool's wallet the target's payouts use.
    const withdrawals = await withdrawLegs(deps, { ...r, fills }, target);
    if (!withdrawals) return { id: r.id, status: 'filled' }; // unknown or refused: looked up again next run
    if (!(await store.transitionConversion(coin, r.id, 'filled', 'withdrawn', { withdrawals }))) {
      return { id: r.id, status: 'busy' };
    }
    status = 'withdrawn';
  }
  if (status === 'withdrawn') {
    // What deposited legs did not sell stays on their exchanges: the next deposits there use it first.
    await keepUnsold(deps, { ...r, fills });
    const s = settle({ ...r, fills }, deps.config.feeShareBps, target.feeWallets);
    const entries = settlementEntries(r, s, deps.now());
    await money.putEntries(coin, entries.source);
    await money.putEntries(r.target, entries.target);
    deps.crashAt?.('after-credit');
    await store.transitionConversion(coin, r.id, 'withdrawn', 'credited');
    deps.log.info(
      { conversion: r.id, sold: s.soldAmount.toString(), received: s.received.toString(), fee: s.fee.toString() },
      'conversion credited',
    );
    return {
      id: r.id,
      status: 'credited',
      sold: s.soldAmount.toString(),
      received: s.received.toString(),
      fee: s.fee.toString(),
    };
  }
  return { id: r.id, status };
}

/** Adds each deposited leg's unsold coins to its exchange's inventory, once per leg (app/convert/inventory.ts). */
async function keepUnsold(deps: ConvertDeps, r: ConversionRecord): Promise<void> {
  for (const [leg, plan] of r.legs.entries()) {
    if (!(await deps.store.getDeposit(deps.coin, depositId(r.id, leg)))) continue; // sold from the pool's own stock
    const left = unsoldOfLeg(r, leg);
    if (left > 0n) await changeInventory(deps, plan.exchange, leftoverKey(r.id, leg), () => left);
  }
}

/**
 * Each leg's outcome, or undefined while one is unknown. A leg is first looked up by its client order id (a run
 * that crashed or timed out may have placed it); only an order the exchange does not know is placed. A refusal is
 * an outcome (nothing sold); a timeout is not (the order may exist): the conversion stays `ordered`.
 */
async function placeLegs(deps: ConvertDeps, r: ConversionRecord): Promise<ConversionFill[] | undefined> {
  const fills: ConversionFill[] = [];
  let unknown = false;
  for (const leg of r.legs) {
    const client = deps.exchanges.get(leg.exchange);
    if (!client) {
      deps.log.error({ conversion: r.id, exchange: leg.exchange }, 'exchange of a leg is not configured');
      unknown = true;
      continue;
    }
    try {
      let order = await client.findOrder(r.market, leg.clientOrderId);
      if (!order) {
        try {
          order = await client.sellLimitIoc({
            market: r.market,
            amount: formatUnits(leg.amount, deps.decimals),
            limitPrice: leg.limitPriceText,
            clientOrderId: leg.clientOrderId,
          });
        } catch (err) {
          if (!(err instanceof ExchangeRejectedError)) throw err;
          deps.log.warn({ conversion: r.id, exchange: leg.exchange, err: err.message }, 'order refused; nothing sold');
          fills.push({ exchange: leg.exchange, clientOrderId: leg.clientOrderId, sold: 0n, gross: 0n, fee: 0n });
          continue;
        }
      }
      deps.crashAt?.('after-leg');
      if (order.status === 'open') {
        unknown = true; // an IOC order is never left open; wait for the exchange to finish it
        continue;
      }
      const targetDecimals = TARGET_CURRENCIES[r.target as TargetCurrency];
      const sold = toUnits(order.filled, deps.decimals);
      const gross = toUnits(order.cost, targetDecimals);
      const fee =
        order.fee && order.fee.currency === r.target
          ? toUnits(order.fee.cost, targetDecimals)
          : feeOf(gross, leg.takerFeeBps);
      fills.push({ exchange: leg.exchange, clientOrderId: leg.clientOrderId, orderId: order.id, sold, gross, fee });
    } catch (err) {
      if (!(err instanceof ExchangeUnavailableError)) throw err;
      deps.log.warn(
        { conversion: r.id, exchange: leg.exchange, err: err.message },
        'order outcome unknown; will reconcile',
      );
      unknown = true;
    }
  }
  return unknown ? undefined : fills;
}

/**
 * Each exchange's net proceeds withdrawn to the target's wallet, or undefined while one is unknown or refused. A
 * withdrawal is first looked up by its client reference (a run that timed out or crashed may have made it); only
 * one the exchange does not know is requested. Nothing to withdraw without a configured wallet.
 */
async function withdrawLegs(
  deps: ConvertDeps,
  r: ConversionRecord,
  target: ConversionConfig['targets'][number],
): Promise<ConversionWithdrawal[] | undefined> {
  if (!target.wallet) return [];
  const decimals = TARGET_CURRENCIES[target.currency];
  // Withdrawals an earlier run made and recorded (by the exchange's id) while another leg was still unknown.
  const recorded = new Map((r.withdrawals ?? []).map((w) => [w.reference, w]));
  let done = true;
  for (const due of withdrawalsDue(r)) {
    const client = deps.exchanges.get(due.exchange);
    const leg = r.legs[due.leg]!;
    const request = {
      currency: target.currency,
      amount: formatUnits(due.amount, decimals),
      address: target.wallet,
      reference: withdrawalReference(r.id, due.leg),
      ...(target.network ? { network: target.network } : {}),
      fee: formatUnits(leg.withdrawalFee, decimals),
    };
    if (recorded.has(request.reference)) continue;
    try {
      if (!client) throw new ExchangeUnavailableError(due.exchange, 'not configured');
      // An hour of slack for the exchange's clock; the reference (on Kraken: the key, amount + fee, and not an id
      // recorded already) does the rest.
      const exclude = [...recorded.values()].filter((w) => w.exchange === due.exchange).map((w) => w.id);
      const found = await client.findWithdrawal({ ...request, since: r.createdAt - 3_600_000, exclude });
      const made = found ?? (await client.withdraw(request));
      deps.crashAt?.('after-withdraw');
      recorded.set(request.reference, {
        exchange: due.exchange,
        reference: request.reference,
        id: made.id,
        amount: due.amount,
        address: target.wallet,
      });
      // The exchange's id on the record at once, still `filled`: a later run that finds another leg unknown keeps
      // it, instead of having to recognise this withdrawal again (Kraken has no reference to find it by).
      if (
        !(await deps.store.transitionConversion(deps.coin, r.id, 'filled', 'filled', {
          withdrawals: [...recorded.values()],
        }))
      ) {
        return undefined; // another run moved the conversion on
      }
    } catch (err) {
      if (!(err instanceof ExchangeUnavailableError || err instanceof ExchangeRejectedError)) throw err;
      // A refusal (funds not there yet, address not whitelisted) needs the operator; a timeout, the next run.
      const log = err instanceof ExchangeRejectedError ? deps.log.error : deps.log.warn;
      log.call(
        deps.log,
        { conversion: r.id, exchange: due.exchange, err: err.message },
        'withdrawal not confirmed; will retry',
      );
      done = false;
    }
  }
  return done ? withdrawalsDue(r).map((d) => recorded.get(withdrawalReference(r.id, d.leg))!) : undefined;
}
