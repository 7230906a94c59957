import { toUnits } from '../../core/conversion/decimal.js';
import {
  creditOutcome,
  type DepositRecord,
  type DepositStatus,
  depositId,
  reconcileSending,
} from '../../core/conversion/deposit.js';
import { useKey } from '../../core/conversion/inventory.js';
import type { ConversionRecord } from '../../core/conversion/record.js';
import { ConfigError } from '../../core/errors.js';
import { ExchangeRejectedError, ExchangeUnavailableError } from '../../core/ports/exchange.js';
import type { ConvertDeps } from './deps.js';
import { changeInventory } from './inventory.js';

/** What a conversion run needs for deposits: the pool's coin wallet and the conversion's own dependencies. */
type DepositDeps = Pick<
  ConvertDeps,
  'coin' | 'decimals' | 'config' | 'store' | 'exchanges' | 'wallet' | 'log' | 'now'
> & {
  crashAt?: (step: 'after-deposit-claim' | 'after-deposit-send') => void;
};

/** An hour of slack for the exchange's clock when reading its deposit history. */
const CLOCK_SLACK_MS = 3_600_000;

/**
 * Moves every deposit a planned conversion needs as far as it goes (core/conversion/deposit.ts): true once each
 * leg on an exchange with `deposit` has its coins credited there (or no leg needs one), false while one waits. An
 * exchange that does not answer or refuses leaves its deposit where it is, for the next run.
 */
export async function depositLegs(deps: DepositDeps, r: ConversionRecord): Promise<boolean> {
  let ready = true;
  for (const [leg, plan] of r.legs.entries()) {
    const setting = deps.config.exchanges.find((e) => e.id === plan.exchange)?.deposit;
    if (!setting) continue;
    try {
      if ((await depositLeg(deps, r, leg, setting.network)) !== 'credited') ready = false;
    } catch (err) {
      if (!(err instanceof ExchangeUnavailableError || err instanceof ExchangeRejectedError)) throw err;
      deps.log.warn({ conversion: r.id, exchange: plan.exchange, err: err.message }, 'deposit waits for the exchange');
      ready = false;
    }
  }
  return ready;
}

async function depositLeg(
  deps: DepositDeps,
  r: ConversionRecord,
  leg: number,
  network: string | undefined,
): Promise<DepositStatus | 'busy'> {
  const { coin, store, log } = deps;
  const wallet = deps.wallet;
  if (!wallet) throw new ConfigError(`${coin} deposits to exchanges need the pool's coin wallet (coins[].payouts)`);
  const id = depositId(r.id, leg);
  let d = (await store.getDeposit(coin, id)) ?? (await create(deps, r, leg, network));
  const move = async (
    to: DepositStatus,
    set: { txid?: string; exchangeDepositId?: string; historyMark?: string } = {},
  ) => {
    if (!(await store.transitionDeposit(coin, id, d.status, to, set))) return false;
    d = { ...d, ...set, status: to };
    return true;
  };
  for (;;) {
    if (d.status === 'credited') return 'credited';
    if (d.status === 'pending') {
      // Only the run that wins pending → sending sends; the record id travels in the transaction comment, and the
      // wallet's history mark from before the first attempt tells a lookup after a crash where to read from.
      const historyMark = d.historyMark ?? (await wallet.historyMark?.());
      if (!(await move('sending', historyMark ? { historyMark } : {}))) return 'busy';
      deps.crashAt?.('after-deposit-claim');
      let txid: string;
      try {
        txid = await wallet.send(id, [{ account: d.address, amount: d.amount }]);
      } catch (err) {
        // Sent or not, the wallet knows by the comment: the next run reconciles from `sending`.
        log.warn({ deposit: id, err: (err as Error).message }, 'deposit send failed or unknown; will reconcile');
        return 'sending';
      }
      deps.crashAt?.('after-deposit-send');
      if (!(await move('sent', { txid }))) return 'busy';
      log.info({ deposit: id, exchange: d.exchange, amount: d.amount.toString(), txid }, 'deposit sent');
    } else if (d.status === 'sending') {
      const next = reconcileSending(d, await wallet.findPayout(id, d.historyMark));
      if ('problem' in next) {
        log.error({ deposit: id, problem: next.problem }, 'deposit needs the operator; nothing is sent again');
        return 'sending';
      }
      if (!(await move(next.to, next.to === 'sent' ? { txid: next.txid } : {}))) return 'busy';
      log.warn({ deposit: id, to: next.to }, 'deposit reconciled with the wallet after a crash');
    } else {
      const client = deps.exchanges.get(d.exchange);
      if (!client) throw new ExchangeUnavailableError(d.exchange, 'not configured');
      const seen = await client.findDeposit({ currency: coin, txid: d.txid!, since: d.createdAt - CLOCK_SLACK_MS });
      const out = creditOutcome(d, seen && { ...seen, amount: toUnits(seen.amount, deps.decimals) });
      if (out === 'waiting') return 'sent';
      if ('problem' in out) {
        log.error({ deposit: id, problem: out.problem }, 'deposit not credited; nothing is sent again');
        return 'sent';
      }
      if (!(await move('credited', { exchangeDepositId: out.exchangeDepositId }))) return 'busy';
      log.info({ deposit: id, exchange: d.exchange }, 'deposit credited');
    }
  }
}

/**
 * The deposit record, with the exchange's address fixed before anything is sent. Coins the pool already holds on
 * the exchange (its inventory, from earlier legs that did not sell in full) are taken first, once per deposit
 * (app/convert/inventory.ts): only the rest is sent, and a leg the inventory covers whole needs no send at all
 * (created `credited`).
 */
async function create(
  deps: DepositDeps,
  r: ConversionRecord,
  leg: number,
  network: string | undefined,
): Promise<DepositRecord> {
  const plan = r.legs[leg]!;
  const client = deps.exchanges.get(plan.exchange);
  if (!client) throw new ExchangeUnavailableError(plan.exchange, 'not configured');
  const id = depositId(r.id, leg);
  const address = await client.depositAddress(deps.coin, network);
  const fromInventory = -(await changeInventory(deps, plan.exchange, useKey(id), (inv) =>
    inv.amount < plan.amount ? -inv.amount : -plan.amount,
  ));
  const now = deps.now();
  const record: DepositRecord = {
    id,
    conversion: r.id,
    leg,
    coin: deps.coin,
    exchange: plan.exchange,
    amount: plan.amount - fromInventory,
    ...(fromInventory > 0n ? { fromInventory } : {}),
    address,
    ...(network ? { network } : {}),
    status: fromInventory === plan.amount ? 'credited' : 'pending',
    createdAt: now,
    updatedAt: now,
  };
  if (await deps.store.createDeposit(deps.coin, record)) return record;
  return (await deps.store.getDeposit(deps.coin, record.id))!;
}
