import { type FakeOrder, fmt } from './engine.js';
import { type FakeAnswer, fakeWithdraw, fixture, type Routes } from './routes.js';

/**
 * OKX v5 REST (www.okx.com/docs-v5): {code, msg, data: [...]}, code "0" on success; order errors carry sCode/sMsg
 * per order. Order placement answers the ids only; the order is read back with GET /api/v5/trade/order.
 */
export const okxRoutes: Routes = (req, ctx) => {
  const p = { ...Object.fromEntries(req.query), ...req.body };
  const key = `${req.method} ${req.path}`;
  if (key === 'GET /api/v5/public/instruments') return { json: fixture('okx-instruments.json') };
  if (key === 'GET /api/v5/market/books') {
    if (ctx.takeFault('book') === 'timeout') return 'hang';
    const sz = Number(p.sz ?? 100);
    const side = (levels: Array<[string, string]>) => levels.slice(0, sz).map(([pr, a]) => [pr, a, '0', '1']);
    return ok([{ asks: side(ctx.book.asks), bids: side(ctx.book.bids), ts: String(ctx.now()) }]);
  }
  if (!req.headers['ok-access-key'] || !req.headers['ok-access-passphrase']) {
    return { status: 401, json: { code: '50111', msg: 'Invalid OK-ACCESS-KEY', data: [] } };
  }
  if (key === 'POST /api/v5/trade/order' || key === 'POST /api/v5/trade/batch-orders') {
    const fault = ctx.takeFault('order');
    if (fault === 'timeout') return 'hang';
    if (fault === 'reject') {
      return {
        json: {
          code: '1',
          msg: 'All operations failed',
          data: [
            {
              clOrdId: p.clOrdId,
              ordId: '',
              sCode: '51008',
              sMsg: 'Order failed. Insufficient BTC balance in account.',
            },
          ],
        },
      };
    }
    if (p.ordType !== 'ioc' || p.side !== 'sell' || p.tdMode !== 'cash') {
      return { json: { code: '51000', msg: 'Parameter ordType error', data: [] } };
    }
    const o = ctx.book.sell(p.clOrdId!, p.sz!, p.px!, ctx.now());
    if (fault === 'fill-then-timeout') return 'hang';
    return ok([
      { clOrdId: o.clientOrderId, ordId: o.id, tag: '', ts: String(o.time), sCode: '0', sMsg: 'Order placed' },
    ]);
  }
  if (key === 'GET /api/v5/trade/order') {
    const o = ctx.book.orders.get(p.clOrdId ?? '');
    return o ? ok([order(o, p.instId!)]) : { json: { code: '51603', msg: 'Order does not exist', data: [] } };
  }
  if (key === 'POST /api/v5/asset/withdrawal') {
    const w = fakeWithdraw(ctx, {
      id: `6748${ctx.withdrawals.length}`,
      currency: p.ccy!,
      amount: p.amt!,
      address: p.toAddr!,
      ...(p.clientId ? { reference: p.clientId } : {}),
    });
    if (w === 'reject') return { json: { code: '58350', msg: 'Insufficient balance', data: [] } };
    if (w === 'hang') return w;
    return ok([{ amt: p.amt, wdId: w.made.id, ccy: p.ccy, clientId: p.clientId ?? '', chain: p.chain ?? '' }]);
  }
  if (key === 'GET /api/v5/asset/withdrawal-history') {
    // Newest first; filters by ccy and clientId ("before": only records newer than this ms timestamp).
    const since = Number(p.before ?? 0);
    const list = ctx.withdrawals
      .filter((w) => (!p.ccy || w.currency === p.ccy) && (!p.clientId || w.reference === p.clientId) && w.time > since)
      .reverse();
    return ok(
      list.map((w) => ({
        ccy: w.currency,
        chain: `${w.currency}-Bitcoin`,
        nonTradableAsset: false,
        amt: w.amount,
        ts: String(w.time),
        from: '',
        areaCodeFrom: '',
        to: w.address,
        areaCodeTo: '',
        tag: '',
        pmtId: '',
        memo: '',
        addrEx: null,
        txId: `${w.id}tx`,
        fee: '0.00001',
        feeCcy: w.currency,
        state: '2',
        wdId: w.id,
        clientId: w.reference ?? '',
      })),
    );
  }
  if (key === 'GET /api/v5/asset/deposit-address') {
    if (ctx.takeFault('deposit') === 'timeout') return 'hang';
    return ok([
      { chain: `${p.ccy}-Litecoin`, ctAddr: '', ccy: p.ccy, to: '6', addr: ctx.depositAddress, selected: true },
    ]);
  }
  if (key === 'GET /api/v5/asset/deposit-history') {
    // Newest first; state 0 = waiting for confirmation, 2 = deposit successful; "before": newer than this ms.
    if (ctx.takeFault('deposit') === 'timeout') return 'hang';
    const since = Number(p.before ?? 0);
    const list = ctx.deposits.filter((d) => (!p.ccy || d.currency === p.ccy) && d.time > since).reverse();
    return ok(
      list.map((d) => ({
        actualDepBlkConfirm: d.credited ? '6' : '1',
        amt: d.amount,
        areaCodeFrom: '',
        ccy: d.currency,
        chain: `${d.currency}-Litecoin`,
        depId: d.id,
        from: '',
        fromWdId: '',
        state: d.credited ? '2' : '0',
        to: d.address,
        ts: String(d.time),
        txId: d.txid,
      })),
    );
  }
  return undefined;
};

const ok = (data: unknown[]): FakeAnswer => ({ json: { code: '0', msg: '', data } });

function order(o: FakeOrder, instId: string) {
  const t = String(o.time);
  const avg = o.filled === 0n ? '' : o.price;
  return {
    accFillSz: fmt(o.filled),
    algoClOrdId: '',
    algoId: '',
    attachAlgoClOrdId: '',
    attachAlgoOrds: [],
    avgPx: avg,
    cTime: t,
    cancelSource: o.status === 'canceled' ? '14' : '',
    cancelSourceReason:
      o.status === 'canceled' ? 'Order canceled: IOC order was partially canceled due to no liquidity' : '',
    category: 'normal',
    ccy: '',
    clOrdId: o.clientOrderId,
    fee: o.fee === 0n ? '0' : `-${fmt(o.fee)}`,
    feeCcy: 'BTC',
    fillPx: avg,
    fillSz: fmt(o.filled),
    fillTime: t,
    instId,
    instType: 'SPOT',
    isTpLimit: 'false',
    lever: '',
    linkedAlgoOrd: { algoId: '' },
    ordId: o.id,
    ordType: 'ioc',
    pnl: '0',
    posSide: 'net',
    px: o.price,
    pxType: '',
    pxUsd: '',
    pxVol: '',
    quickMgnType: '',
    rebate: '0',
    rebateCcy: 'LTC',
    reduceOnly: 'false',
    side: 'sell',
    slOrdPx: '',
    slTriggerPx: '',
    slTriggerPxType: '',
    source: '',
    state: o.status === 'closed' ? 'filled' : 'canceled',
    stpId: '',
    stpMode: 'cancel_maker',
    sz: fmt(o.amount),
    tag: '',
    tdMode: 'cash',
    tgtCcy: '',
    tpOrdPx: '',
    tpTriggerPx: '',
    tpTriggerPxType: '',
    tradeId: o.filled === 0n ? '' : `${o.id}0`,
    uTime: t,
  };
}
