import { type FakeOrder, fixed8 } from './engine.js';
import { type FakeAnswer, fakeWithdraw, fixture, type Routes } from './routes.js';

/**
 * Binance spot REST (developers.binance.com/docs/binance-spot-api-docs/rest-api): exchangeInfo and depth, order
 * placement with newOrderRespType FULL, order query by origClientOrderId, and the wallet's withdraw/apply. Errors are
 * HTTP 400 with {code, msg}.
 */
export const binanceRoutes: Routes = (req, ctx) => {
  const p = { ...Object.fromEntries(req.query), ...req.body };
  const key = `${req.method} ${req.path}`;
  if (key === 'GET /api/v3/exchangeInfo') return { json: fixture('binance-exchange-info.json') };
  if (key === 'GET /api/v3/depth') {
    if (ctx.takeFault('book') === 'timeout') return 'hang';
    const limit = Number(p.limit ?? 100);
    const book = ctx.books?.[p.symbol ?? ''] ?? ctx.book;
    return {
      json: { lastUpdateId: 1027024, bids: book.bids.slice(0, limit), asks: book.asks.slice(0, limit) },
    };
  }
  if (!req.headers['x-mbx-apikey']) return error(401, -2015, 'Invalid API-key, IP, or permissions for action.');
  if (key === 'POST /api/v3/order') {
    const fault = ctx.takeFault('order');
    if (fault === 'timeout') return 'hang';
    if (fault === 'reject') return error(400, -2010, 'Account has insufficient balance for requested action.');
    if (p.type !== 'LIMIT' || p.timeInForce !== 'IOC' || p.side !== 'SELL')
      return error(400, -1106, 'unexpected order');
    const o = ctx.book.sell(p.newClientOrderId!, p.quantity!, p.price!, ctx.now());
    if (fault === 'fill-then-timeout') return 'hang';
    return { json: { ...order(o, p.symbol!), fills: fills(o) } };
  }
  if (key === 'GET /api/v3/order') {
    const o = ctx.book.orders.get(p.origClientOrderId ?? '');
    return o ? { json: order(o, p.symbol!) } : error(400, -2013, 'Order does not exist.');
  }
  if (key === 'POST /sapi/v1/capital/withdraw/apply') {
    const w = fakeWithdraw(ctx, {
      id: `7213fea8e94b4a5593d507237e5a55${ctx.withdrawals.length}`,
      currency: p.coin!,
      amount: p.amount!,
      address: p.address!,
      ...(p.withdrawOrderId ? { reference: p.withdrawOrderId } : {}),
    });
    if (w === 'reject') return error(400, -4026, 'User has insufficient balance');
    return w === 'hang' ? w : { json: { id: w.made.id } };
  }
  if (key === 'GET /sapi/v1/capital/withdraw/history') {
    // Filters by coin, withdrawOrderId and startTime; "withdrawOrderId" is only present when one was given.
    const since = Number(p.startTime ?? 0);
    const list = ctx.withdrawals.filter(
      (w) =>
        (!p.coin || w.currency === p.coin) &&
        (!p.withdrawOrderId || w.reference === p.withdrawOrderId) &&
        w.time >= since,
    );
    return {
      json: list.map((w) => ({
        id: w.id,
        amount: w.amount,
        transactionFee: '0.000001',
        coin: w.currency,
        status: 6,
        address: w.address,
        txId: `${w.id}tx`,
        applyTime: new Date(w.time).toISOString().slice(0, 19).replace('T', ' '),
        network: w.currency,
        transferType: 0,
        ...(w.reference ? { withdrawOrderId: w.reference } : {}),
        info: '',
        confirmNo: 3,
        walletType: 0,
        txKey: '',
        completeTime: new Date(w.time).toISOString().slice(0, 19).replace('T', ' '),
      })),
    };
  }
  if (key === 'GET /sapi/v1/capital/deposit/address') {
    if (ctx.takeFault('deposit') === 'timeout') return 'hang';
    const address = ctx.depositAddress;
    return { json: { address, coin: p.coin, tag: '', url: `https://litecoinspace.org/address/${address}` } };
  }
  if (key === 'GET /sapi/v1/capital/deposit/hisrec') {
    // status 0 = pending, 6 = credited but cannot withdraw, 1 = success; filters by coin and insertTime window.
    if (ctx.takeFault('deposit') === 'timeout') return 'hang';
    const [since, until] = [Number(p.startTime ?? 0), Number(p.endTime ?? Number.MAX_SAFE_INTEGER)];
    const list = ctx.deposits.filter((d) => (!p.coin || d.currency === p.coin) && d.time >= since && d.time <= until);
    return {
      json: list.map((d) => ({
        id: d.id,
        amount: d.amount,
        coin: d.currency,
        network: d.currency,
        status: d.credited ? 1 : 0,
        address: d.address,
        addressTag: '',
        txId: d.txid,
        insertTime: d.time,
        transferType: 0,
        confirmTimes: d.credited ? '4/4' : '1/4',
        unlockConfirm: 4,
        walletType: 0,
      })),
    };
  }
  return undefined;
};

function error(status: number, code: number, msg: string): FakeAnswer {
  return { status, json: { code, msg } };
}

function order(o: FakeOrder, symbol: string) {
  return {
    symbol,
    orderId: Number(o.id),
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    transactTime: o.time,
    time: o.time,
    updateTime: o.time,
    price: o.price,
    origQty: fixed8(o.amount),
    executedQty: fixed8(o.filled),
    origQuoteOrderQty: '0.00000000',
    cummulativeQuoteQty: fixed8(o.cost),
    // An IOC order that did not fill completely expires (Binance's word for "the rest was cancelled").
    status: o.status === 'closed' ? 'FILLED' : 'EXPIRED',
    timeInForce: 'IOC',
    type: 'LIMIT',
    side: 'SELL',
    workingTime: o.time,
    selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

function fills(o: FakeOrder) {
  if (o.filled === 0n) return [];
  return [
    {
      price: o.price,
      qty: fixed8(o.filled),
      commission: fixed8(o.fee),
      commissionAsset: 'BTC',
      tradeId: Number(o.id) * 10,
    },
  ];
}
