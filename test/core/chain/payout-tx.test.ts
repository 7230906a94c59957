import { describe, expect, it } from 'vitest';
import { DUST_LIMIT, type PoolCoin, payoutTxVsize, planPayoutTx } from '../../../core/chain/payout-tx.js';

const P2WPKH = { script: new Uint8Array(22), amount: 0n };
const P2TR = { script: new Uint8Array(34), amount: 0n };
const coin = (txid: string, amount: bigint, vout = 0): PoolCoin => ({ txid, vout, amount });

describe('planPayoutTx', () => {
  it('sizes a legacy transaction byte for byte: version, counts, 148-byte inputs, outputs, locktime', () => {
    // 4 + 1 + 148 + 1 + (8+1+22) + (8+1+34) + 34 (change) + 4
    expect(payoutTxVsize(1, [P2WPKH, P2TR], true)).toBe(4 + 1 + 148 + 1 + 31 + 43 + 34 + 4);
    expect(payoutTxVsize(253, [P2WPKH], false)).toBe(4 + 3 + 253 * 148 + 1 + 31 + 4);
  });

  it('pays outputs + fee from the largest coins first and returns the rest as change', () => {
    const outputs = [{ ...P2WPKH, amount: 60n * 10n ** 8n }];
    const coins = [coin('aa', 50n * 10n ** 8n), coin('bb', 50n * 10n ** 8n), coin('cc', 10n ** 8n)];
    const plan = planPayoutTx(coins, outputs, 5n)!;
    expect(plan.inputs.map((c) => c.txid)).toEqual(['aa', 'bb']); // equal amounts: by txid
    expect(plan.vsize).toBe(payoutTxVsize(2, outputs, true));
    expect(plan.fee).toBe(BigInt(plan.vsize) * 5n);
    expect(plan.change + plan.fee + outputs[0]!.amount).toBe(100n * 10n ** 8n); // every satoshi accounted for
  });

  it('gives the same inputs whatever order the wallet lists its coins in', () => {
    const coins = [coin('cc', 7n, 1), coin('aa', 5n * 10n ** 8n), coin('cc', 7n, 0), coin('bb', 5n * 10n ** 8n)];
    const outputs = [{ ...P2TR, amount: 6n * 10n ** 8n }];
    expect(planPayoutTx([...coins].reverse(), outputs, 1n)).toEqual(planPayoutTx(coins, outputs, 1n));
  });

  it('drops change below the dust limit into the fee instead of making an unrelayable output', () => {
    const outputs = [{ ...P2WPKH, amount: 10n ** 8n }];
    const noChange = BigInt(payoutTxVsize(1, outputs, false)) * 2n;
    const plan = planPayoutTx([coin('aa', 10n ** 8n + noChange + DUST_LIMIT - 1n)], outputs, 2n)!;
    expect(plan.change).toBe(0n);
    expect(plan.fee).toBe(noChange + DUST_LIMIT - 1n);
  });

  it('answers undefined when the coins cannot cover the outputs and the fee', () => {
    const outputs = [{ ...P2WPKH, amount: 10n ** 8n }];
    expect(planPayoutTx([coin('aa', 10n ** 8n)], outputs, 1n)).toBeUndefined();
    expect(planPayoutTx([], outputs, 1n)).toBeUndefined();
  });
});
