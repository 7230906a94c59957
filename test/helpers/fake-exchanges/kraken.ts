import { randomBytes } from 'node:crypto';
import { toUnits } from '../../../core/conversion/decimal.js';
import { type FakeOrder, fmt } from './engine.js';
import { type FakeAnswer, fakeWithdraw, fixture, type Routes } from './routes.js';

/**
 * Kraken spot REST (docs.kraken.com/api): every answer is {error: [...], result} with HTTP 200, errors as
 * "EOrder:…" strings. AddOrder answers the txid only; orders are read back from ClosedOrders/OpenOrders.
 */
export const krakenRoutes: Routes = (req, ctx) => {
  const p = { ...Object.fromEntries(req.query), ...req.body };
  const key = `${req.method} ${req.path}`;
  if (key === 'GET /0/public/AssetPairs') return { json: fixture('kraken-asset-pairs.json') };
  if (key === 'GET /0/public/Depth') {
    if (ctx.takeFault('book') === 'timeout') return 'hang';
    const count = Number(p.count ?? 100);
    const side = (levels: Array<[string, string]>) => levels.slice(0, count).map(([pr, a]) => [pr, a, 1700000000]);
    return ok({ XLTCXXBT: { asks: side(ctx.book.asks), bids: side(ctx.book.bids) } });
  }
  if (!req.headers['api-key'] || !req.headers['api-sign']) return fail('EAPI:Invalid key');
  if (key === 'POST /0/private/AddOrder') {
    const fault = ctx.takeFault('order');
    if (fault === 'timeout') return 'hang';
    if (fault === 'reject') return fail('EOrder:Insufficient funds');
    if (p.ordertype !== 'limit' || p.type !== 'sell' || p.timeinforce !== 'IOC')
      return fail('EGeneral:Invalid arguments');
    const o = ctx.book.sell(p.cl_ord_id!, p.volume!, p.price!, ctx.now());
    if (fault === 'fill-then-timeout') return 'hang';
    return ok({ descr: { order: `sell ${p.volume} LTCXBT @ limit ${p.price}` }, txid: [txid(o)] });
  }
  if (key === 'POST /0/private/ClosedOrders') {
    return ok({
      closed: Object.fromEntries([...ctx.book.orders.values()].map((o) => [txid(o), order(o)])),
      count: ctx.book.orders.size,
    });
  }
  if (key === 'POST /0/private/OpenOrders') return ok({ open: {} });
  if (key === 'POST /0/private/Withdraw') {
    // `amount` is taken from the account and Kraken's fee deducted from it: the address receives amount − fee. An
    // optional `max_fee` refuses the withdrawal when the fee would be higher. The answer is Kraken's own reference id,
    // nothing the caller sent.
    const fee = toUnits(ctx.withdrawalFee, 8);
    if (p.max_fee !== undefined && fee > toUnits(p.max_fee, 8)) return fail('EFunding:Max fee exceeded');
    const net = toUnits(p.amount!, 8) - fee;
    if (net <= 0n) return fail('EFunding:Invalid amount');
    const w = fakeWithdraw(ctx, {
      id: `FTQcuak-${randomBytes(16).toString('base64url')}`,
      currency: p.asset!,
      amount: fmt(net),
      fee: fmt(fee),
      address: p.key!,
    });
    if (w === 'reject') return fail('EFunding:Insufficient funds');
    return w === 'hang' ? w : ok({ refid: w.made.id });
  }
  if (key === 'POST /0/private/WithdrawStatus') {
    // Recent withdrawals of the asset since `start` (seconds), newest first; Kraken takes no client reference. The
    // amount is what was sent (requested − fee), the fee apart.
    const since = Number(p.start ?? 0) * 1000;
    const list = ctx.withdrawals.filter((w) => (!p.asset || w.currency === p.asset) && w.time >= since).reverse();
    return ok(
      list.map((w) => ({
        method: 'Bitcoin',
        aclass: 'currency',
        asset: w.currency,
        refid: w.id,
        txid: `${w.id}tx`,
        info: 'bc1qpoolwallet',
        amount: w.amount,
        fee: w.fee ?? '0',
        time: Math.floor(w.time / 1000),
        status: 'Success',
        key: w.address,
      })),
    );
  }
  if (key === 'POST /0/private/DepositMethods') {
    if (ctx.takeFault('deposit') === 'timeout') return 'hang';
    return ok([{ method: 'Litecoin', limit: false, fee: '0.0000000000', 'gen-address': true, minimum: '0.00100000' }]);
  }
  if (key === 'POST /0/private/DepositAddresses') {
    if (ctx.takeFault('deposit') === 'timeout') return 'hang';
    if (p.method !== 'Litecoin') return fail('EFunding:Invalid method');
    return ok([{ address: ctx.depositAddress, expiretm: '0', new: false }]);
  }
  if (key === 'POST /0/private/DepositStatus') {
    // Recent deposits of the asset since `start` (seconds): Pending while confirming, then Success.
    if (ctx.takeFault('deposit') === 'timeout') return 'hang';
    const since = Number(p.start ?? 0) * 1000;
    // Kraken takes an asset's id (XLTC) or its altname (LTC); it lists deposits under the id.
    const ofAsset = (code: string) => !p.asset || p.asset === code || p.asset === asset(code);
    const list = ctx.deposits.filter((d) => ofAsset(d.currency) && d.time >= since);
    return ok(
      list.map((d) => ({
        method: 'Litecoin',
        aclass: 'currency',
        asset: asset(d.currency),
        refid: `FTQcuak-${d.id}`,
        txid: d.txid,
        info: d.address,
        amount: d.amount,
        fee: '0.0000000000',
        time: Math.floor(d.time / 1000),
        status: d.credited ? 'Success' : 'Pending',
      })),
    );
  }
  return undefined;
};

/** Kraken's asset ids of the unified codes the fakes deposit. */
const asset = (code: string) => ({ LTC: 'XLTC', BTC: 'XXBT' })[code] ?? code;

const ok = (result: unknown): FakeAnswer => ({ json: { error: [], result } });
const fail = (message: string): FakeAnswer => ({ json: { error: [message] } });
const txid = (o: FakeOrder) => `O${o.id.padStart(5, '0')}-FRGI2-MQMWZD`;

function order(o: FakeOrder) {
  const seconds = o.time / 1000;
  return {
    refid: null,
    userref: 0,
    cl_ord_id: o.clientOrderId,
    status: o.status,
    reason: o.status === 'canceled' ? 'User requested' : null,
    opentm: seconds,
    closetm: seconds,
    starttm: 0,
    expiretm: 0,
    descr: {
      pair: 'LTCXBT',
      type: 'sell',
      ordertype: 'limit',
      price: o.price,
      price2: '0',
      leverage: 'none',
      order: `sell ${fmt(o.amount)} LTCXBT @ limit ${o.price}`,
      close: '',
    },
    vol: fmt(o.amount),
    vol_exec: fmt(o.filled),
    cost: fmt(o.cost),
    fee: fmt(o.fee),
    price: o.filled === 0n ? '0' : o.price,
    stopprice: '0',
    limitprice: '0',
    misc: '',
    oflags: 'fciq',
  };
}
