import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcxtExchange } from '../../../adapters/exchange/ccxt-exchange.js';
import { CONVERSION_EXCHANGES, type ConversionExchangeId } from '../../../core/conversion/config.js';
import { ExchangeRejectedError, ExchangeUnavailableError } from '../../../core/ports/exchange.js';
import { FakeExchangeServer } from '../../helpers/fake-exchanges/server.js';

const credentials = { apiKey: 'test-key', secret: 'dGVzdC1zZWNyZXQ=', password: 'pass', withdrawalKey: 'pool-btc' };

/** The adapter pointed at a fake, with short timeouts and one retry. */
const adapterFor = (fake: FakeExchangeServer, o: { now?: () => number } = {}) =>
  new CcxtExchange({
    id: fake.id,
    credentials,
    apiBaseUrl: fake.url,
    timeoutMs: 400,
    rateLimitMs: 5,
    attempts: 2,
    retryDelayMs: 1,
    ...o,
  });

describe.each(CONVERSION_EXCHANGES)('ccxt adapter against a fake %s', (id: ConversionExchangeId) => {
  let fake: FakeExchangeServer;
  let exchange: CcxtExchange;
  beforeAll(async () => {
    fake = await new FakeExchangeServer(id).start();
    exchange = adapterFor(fake, { now: () => 1_700_000_000_000 });
  });
  afterAll(() => fake.stop());

  it('reads the order book as exact decimal strings', async () => {
    const book = await exchange.fetchOrderBook('LTC/BTC', 5);
    expect(book.bids.length).toBe(3);
    expect(book.bids[0]![0]).toMatch(/^0\.0012\d+$/);
    expect(book.asks[0]![1]).toMatch(/^\d+(\.\d+)?$/);
    expect(book.fetchedAt).toBe(1_700_000_000_000);
  });

  it('retries a book read that timed out, once', async () => {
    fake.fail('book', 'timeout');
    const book = await exchange.fetchOrderBook('LTC/BTC', 5);
    expect(book.bids.length).toBeGreaterThan(0);
  });

  it('sells limit-IOC with a client order id; what does not fill is cancelled', async () => {
    const order = await exchange.sellLimitIoc({
      market: 'LTC/BTC',
      amount: '0.5',
      limitPrice: '0.0012',
      clientOrderId: `a${id}1`,
    });
    expect(order).toMatchObject({ clientOrderId: `a${id}1`, status: 'closed', filled: '0.5' });
    expect(Number(order.cost)).toBeGreaterThan(0.0006 - 1e-9);
    // Far more than the book holds above the limit: partly filled, the rest cancelled (Binance says "expired").
    const partial = await exchange.sellLimitIoc({
      market: 'LTC/BTC',
      amount: '40',
      limitPrice: '0.0012',
      clientOrderId: `a${id}2`,
    });
    expect(['canceled', 'expired']).toContain(partial.status);
    expect(Number(partial.filled)).toBeGreaterThan(0);
    expect(Number(partial.filled)).toBeLessThan(40);
  });

  it('finds an order that filled while the answer timed out, by its client order id', async () => {
    fake.fail('order', 'fill-then-timeout');
    await expect(
      exchange.sellLimitIoc({ market: 'LTC/BTC', amount: '0.1', limitPrice: '0.0011', clientOrderId: `a${id}3` }),
    ).rejects.toBeInstanceOf(ExchangeUnavailableError);
    const found = await exchange.findOrder('LTC/BTC', `a${id}3`);
    expect(found).toMatchObject({ clientOrderId: `a${id}3`, filled: '0.1', status: 'closed' });
    expect(await exchange.findOrder('LTC/BTC', `a${id}missing`)).toBeUndefined();
    // An order is never re-sent by the adapter on a timeout: exactly one order carries the id.
    expect(
      fake.requests.filter((r) => (r.body.newClientOrderId ?? r.body.cl_ord_id ?? r.body.clOrdId) === `a${id}3`),
    ).toHaveLength(1);
  });

  it('maps the exchange refusing an order to ExchangeRejectedError', async () => {
    fake.fail('order', 'reject');
    await expect(
      exchange.sellLimitIoc({ market: 'LTC/BTC', amount: '0.1', limitPrice: '0.0011', clientOrderId: `a${id}4` }),
    ).rejects.toBeInstanceOf(ExchangeRejectedError);
  });

  it('withdraws the proceeds to the pool wallet and finds the withdrawal again by its reference', async () => {
    const request = {
      currency: 'BTC',
      amount: '0.0018',
      address: 'bc1qpoolwallet',
      fee: '0.0002',
      reference: 'w0123456789abcdef',
    };
    fake.ctx.withdrawalFee = '0.0002'; // Kraken deducts its own: here the fee the pool expects
    const w = await exchange.withdraw(request);
    expect(w.id).toBe(fake.ctx.withdrawals.at(-1)!.id);
    expect(fake.ctx.withdrawals.at(-1)).toMatchObject({ amount: '0.0018' }); // what reaches the pool's wallet
    const since = Date.now() - 60_000;
    expect(await exchange.findWithdrawal({ ...request, since })).toEqual({ id: w.id });
    // Another reference (Kraken, without references: another amount) is not that withdrawal.
    expect(
      await exchange.findWithdrawal({ ...request, reference: 'wfedcba9876543210', amount: '0.0017', since }),
    ).toBeUndefined();
  });

  it('a withdrawal whose answer timed out is found by its reference, not made twice', async () => {
    fake.fail('withdraw', 'fill-then-timeout');
    const request = { currency: 'BTC', amount: '0.0021', address: 'bc1qpoolwallet', reference: 'w00000000000000aa' };
    await expect(exchange.withdraw(request)).rejects.toBeInstanceOf(ExchangeUnavailableError);
    const made = fake.ctx.withdrawals.at(-1)!;
    expect(await exchange.findWithdrawal({ ...request, since: Date.now() - 60_000 })).toEqual({ id: made.id });
  });

  it("asks for the pool's LTC deposit address and finds a deposit by its txid, pending until credited", async () => {
    fake.ctx.depositAddress = 'rltc1qexchangedeposit7';
    expect(await exchange.depositAddress('LTC')).toBe('rltc1qexchangedeposit7');
    const txid = `${id}`.padEnd(64, 'a');
    const since = Date.now() - 60_000;
    expect(await exchange.findDeposit({ currency: 'LTC', txid, since })).toBeUndefined();
    fake.receive({ txid: `${id}`.padEnd(64, 'b'), amount: '9', credited: true }); // another deposit
    const made = fake.receive({ txid, amount: '1.23456789', credited: false });
    expect(await exchange.findDeposit({ currency: 'LTC', txid, since })).toEqual({
      id: expect.stringContaining(made.id),
      txid,
      amount: '1.23456789',
      status: 'pending',
    });
    fake.receive({ txid, amount: '1.23456789', credited: true });
    expect(await exchange.findDeposit({ currency: 'LTC', txid, since })).toMatchObject({ status: 'ok' });
  });

  it('a deposit history that times out is an unknown, not a "not credited"', async () => {
    fake.fail('deposit', 'timeout');
    fake.fail('deposit', 'timeout');
    await expect(
      exchange.findDeposit({ currency: 'LTC', txid: 'f'.repeat(64), since: Date.now() - 60_000 }),
    ).rejects.toBeInstanceOf(ExchangeUnavailableError);
  });

  it('signs private calls with the API key', () => {
    const priv = fake.requests.filter((r) => /order|Order|withdraw|Withdraw|deposit|Deposit/.test(r.path));
    expect(priv.length).toBeGreaterThan(0);
    for (const r of priv) {
      expect(r.headers['x-mbx-apikey'] ?? r.headers['api-key'] ?? r.headers['ok-access-key']).toBe('test-key');
    }
  });
});

/**
 * Kraken's Withdraw answers only its own refid, takes no client reference, and deducts its fee from the amount asked
 * (WithdrawStatus lists what was sent and the fee apart): docs.kraken.com/api, Withdraw Funds and Get Status of
 * Recent Withdrawals.
 */
describe('ccxt adapter: Kraken withdrawals', () => {
  let fake: FakeExchangeServer;
  let exchange: CcxtExchange;
  beforeAll(async () => {
    fake = await new FakeExchangeServer('kraken').start();
    exchange = adapterFor(fake);
  });
  afterAll(() => fake.stop());
  const request = (amount: string, reference: string) => ({
    currency: 'BTC',
    amount,
    address: 'bc1qpoolwallet',
    fee: '0.00001',
    reference,
  });

  it('asks for amount + fee with that fee as the maximum, so the wallet receives the amount; answers its refid', async () => {
    fake.ctx.withdrawalFee = '0.00001';
    const w = await exchange.withdraw(request('0.0018', 'wkraken000000001'));
    const made = fake.ctx.withdrawals.at(-1)!;
    expect(made).toMatchObject({ id: w.id, amount: '0.0018', fee: '0.00001', address: 'pool-btc' });
    expect(w.id).not.toContain('wkraken');
    // A fee above what the pool planned for is refused: nothing is withdrawn that would deliver less.
    fake.ctx.withdrawalFee = '0.00002';
    await expect(exchange.withdraw(request('0.0018', 'wkraken000000002'))).rejects.toBeInstanceOf(
      ExchangeRejectedError,
    );
    expect(fake.ctx.withdrawals.at(-1)!.id).toBe(w.id);
  });

  it('finds a withdrawal whose answer was lost by its fee-deducted amount and key, never one already recorded', async () => {
    fake.ctx.withdrawalFee = '0.000004'; // less than planned: Kraken sends more than the amount, and lists that
    const earlier = await exchange.withdraw(request('0.0024', 'wkraken000000003'));
    fake.fail('withdraw', 'fill-then-timeout');
    await expect(exchange.withdraw(request('0.0024', 'wkraken000000004'))).rejects.toBeInstanceOf(
      ExchangeUnavailableError,
    );
    const lost = fake.ctx.withdrawals.at(-1)!;
    expect(lost.amount).toBe('0.002406');
    const since = Date.now() - 60_000;
    // Both took 0.00241 from the account; the first is recorded on the conversion already, so the lost one is the other.
    expect(
      await exchange.findWithdrawal({ ...request('0.0024', 'wkraken000000004'), since, exclude: [earlier.id] }),
    ).toEqual({ id: lost.id });
    expect(
      await exchange.findWithdrawal({ ...request('0.0024', 'x'), since, exclude: [earlier.id, lost.id] }),
    ).toBeUndefined();
    expect(await exchange.findWithdrawal({ ...request('0.0023', 'x'), since })).toBeUndefined();
  });
});
