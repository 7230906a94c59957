import { PRICE_SCALE, scalePrice } from '../../../core/conversion/book.js';
import { ceilDiv, formatUnits, toUnits } from '../../../core/conversion/decimal.js';

/** LTC/BTC: both sides in 8-decimal base units. */
const UNITS = { sourceDecimals: 8, targetDecimals: 8 };

export interface FakeOrder {
  id: string;
  clientOrderId: string;
  price: string;
  amount: bigint;
  filled: bigint;
  /** Gross proceeds, satoshi. */
  cost: bigint;
  fee: bigint;
  status: 'closed' | 'canceled';
  time: number;
}

/**
 * The matching engine behind every fake exchange: a sell IOC limit order takes the bids at or above its price, in
 * order, consumes them (a second order sees the thinner book) and cancels the rest. The taker fee is charged in the
 * quote currency and rounded up, as the exchanges do.
 */
export class FakeBook {
  readonly orders = new Map<string, FakeOrder>();
  /** Client order ids in the order they were executed (a duplicate would show twice). */
  readonly executions: string[] = [];
  private seq = 0;

  constructor(
    public bids: Array<[string, string]>,
    public asks: Array<[string, string]>,
    private readonly feeBps: number,
  ) {}

  sell(clientOrderId: string, amount: string, price: string, time: number): FakeOrder {
    const limit = scalePrice(price, UNITS);
    let left = toUnits(amount, 8);
    let cost = 0n;
    const want = left;
    const next: Array<[string, string]> = [];
    for (const [p, a] of this.bids) {
      const levelPrice = scalePrice(p, UNITS);
      let levelAmount = toUnits(a, 8);
      if (left > 0n && levelPrice >= limit) {
        const q = levelAmount < left ? levelAmount : left;
        cost += (q * levelPrice) / PRICE_SCALE;
        left -= q;
        levelAmount -= q;
      }
      if (levelAmount > 0n) next.push([p, formatUnits(levelAmount, 8)]);
    }
    this.bids = next;
    const filled = want - left;
    const order: FakeOrder = {
      id: `${++this.seq}${String(time).slice(-6)}`,
      clientOrderId,
      price,
      amount: want,
      filled,
      cost,
      fee: ceilDiv(cost * BigInt(this.feeBps), 10_000n),
      status: left === 0n ? 'closed' : 'canceled',
      time,
    };
    this.orders.set(clientOrderId, order);
    this.executions.push(clientOrderId);
    return order;
  }
}

export const fmt = (units: bigint) => formatUnits(units, 8);
/** Fixed 8-decimal text, as Binance writes amounts ("1.50000000"). */
export const fixed8 = (units: bigint) => {
  const s = formatUnits(units, 8);
  const [i, f = ''] = s.split('.');
  return `${i}.${f.padEnd(8, '0')}`;
};
