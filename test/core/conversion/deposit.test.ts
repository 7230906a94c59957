import { describe, expect, it } from 'vitest';
import {
  canMoveDeposit,
  creditOutcome,
  DEPOSIT_NEXT,
  type DepositStatus,
  depositId,
  reconcileSending,
} from '../../../core/conversion/deposit.js';

const record = { id: 'dep-conv-LTC-BTC-7-0', address: 'rltc1qexchange', amount: 150_000_000n, txid: 'aa'.repeat(32) };
const tx = (txid: string, outputs = [{ account: record.address, amount: record.amount }]) => ({ txid, outputs });

describe('deposit records: the state machine of a conversion leg moved to its exchange', () => {
  it('derives one id per conversion leg', () => {
    expect(depositId('conv-LTC-BTC-7', 0)).toBe('dep-conv-LTC-BTC-7-0');
    expect(depositId('conv-LTC-BTC-7', 1)).not.toBe(depositId('conv-LTC-BTC-7', 0));
  });

  it('moves only forward, and from sending back to pending (never from sent: a txid exists)', () => {
    const all: DepositStatus[] = ['pending', 'sending', 'sent', 'credited'];
    const allowed = all.flatMap((from) => all.filter((to) => canMoveDeposit(from, to)).map((to) => `${from}>${to}`));
    expect(allowed).toEqual(['pending>sending', 'sending>pending', 'sending>sent', 'sent>credited']);
    expect(DEPOSIT_NEXT.credited).toEqual([]);
  });

  it('a deposit found sending is sent when the wallet holds its one transaction, pending when none', () => {
    expect(reconcileSending(record, [])).toEqual({ to: 'pending' });
    expect(reconcileSending(record, [tx('t1')])).toEqual({ to: 'sent', txid: 't1' });
  });

  it('a deposit the wallet shows twice or with other outputs is for the operator, never resent', () => {
    expect(reconcileSending(record, [tx('t1'), tx('t2')])).toEqual({ problem: expect.stringContaining('2 wallet') });
    const short = [{ account: record.address, amount: record.amount - 1n }];
    expect(reconcileSending(record, [tx('t1', short)])).toHaveProperty('problem');
    const elsewhere = [{ account: 'rltc1qother', amount: record.amount }];
    expect(reconcileSending(record, [tx('t1', elsewhere)])).toHaveProperty('problem');
    const extra = [...tx('t1').outputs, { account: 'rltc1qother', amount: 1n }];
    expect(reconcileSending(record, [tx('t1', extra)])).toHaveProperty('problem');
  });

  it('waits until the exchange credits the whole amount; a failed or short credit is a problem, not a resend', () => {
    const seen = { id: 'd1', txid: record.txid, amount: record.amount };
    expect(creditOutcome(record, undefined)).toBe('waiting');
    expect(creditOutcome(record, { ...seen, status: 'pending' })).toBe('waiting');
    expect(creditOutcome(record, { ...seen, status: 'ok' })).toEqual({ to: 'credited', exchangeDepositId: 'd1' });
    expect(creditOutcome(record, { ...seen, status: 'failed' })).toHaveProperty('problem');
    expect(creditOutcome(record, { ...seen, amount: record.amount - 1n, status: 'ok' })).toEqual({
      problem: expect.stringContaining(`credited ${record.amount - 1n} of ${record.amount}`),
    });
  });
});
