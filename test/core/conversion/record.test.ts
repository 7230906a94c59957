import { describe, expect, it } from 'vitest';
import { conversionConfigSchema } from '../../../core/conversion/config.js';
import type { DepositRecord } from '../../../core/conversion/deposit.js';
import { expectedInventory } from '../../../core/conversion/inventory.js';
import {
  type ConversionRecord,
  conversionId,
  conversionLedgerView,
  convertOutEntries,
  settle,
  settlementEntries,
} from '../../../core/conversion/record.js';
import { audit } from '../../../core/ledger/audit.js';
import { balancesFromEntries, type LedgerEntry } from '../../../core/ledger/entries.js';

const feeWallets = [{ address: 'bc1fee', weight: 1 }];

function record(over: Partial<ConversionRecord> = {}): ConversionRecord {
  return {
    id: 'conv-LTC-BTC-7',
    source: 'LTC',
    target: 'BTC',
    market: 'LTC/BTC',
    status: 'credited',
    shares: [
      { account: 'ltc1a', targetAccount: 'bc1a', amount: 300_000_000n },
      { account: 'ltc1b', targetAccount: 'bc1b', amount: 100_000_000n },
    ],
    amount: 400_000_000n,
    legs: [
      {
        exchange: 'binance',
        amount: 250_000_000n,
        limitPriceText: '0.00122',
        clientOrderId: 'c-0',
        expectedNet: 0n,
        withdrawalFee: 1_000n,
        takerFeeBps: 10,
      },
      {
        exchange: 'okx',
        amount: 150_000_000n,
        limitPriceText: '0.00121',
        clientOrderId: 'c-1',
        expectedNet: 0n,
        withdrawalFee: 2_000n,
        takerFeeBps: 10,
      },
    ],
    referenceNet: 480_000n,
    fills: [
      { exchange: 'binance', clientOrderId: 'c-0', sold: 250_000_000n, gross: 306_000n, fee: 307n },
      { exchange: 'okx', clientOrderId: 'c-1', sold: 50_000_000n, gross: 60_600n, fee: 61n },
    ],
    createdAt: 0,
    updatedAt: 0,
    ...over,
  };
}

describe('expectedInventory', () => {
  const deposit = (leg: number, exchange: string, fromInventory?: bigint): DepositRecord => ({
    id: `dep-conv-LTC-BTC-7-${leg}`,
    conversion: 'conv-LTC-BTC-7',
    leg,
    coin: 'LTC',
    exchange,
    amount: 0n,
    ...(fromInventory !== undefined && { fromInventory }),
    address: 'a',
    status: 'credited',
    createdAt: 0,
    updatedAt: 0,
  });

  it('holds the unsold coins of deposited legs of credited conversions, less what deposits took', () => {
    // okx sold 50 of its 150: 100 stay there; binance sold all. Only deposited legs count.
    expect(expectedInventory([record()], [deposit(0, 'binance'), deposit(1, 'okx')])).toEqual(
      new Map([['okx', 100_000_000n]]),
    );
    expect(expectedInventory([record()], [deposit(0, 'binance')])).toEqual(new Map());
    // A later deposit on okx that took 60 from there.
    const later = { ...deposit(0, 'okx', 60_000_000n), id: 'dep-conv-LTC-BTC-8-0', conversion: 'conv-LTC-BTC-8' };
    expect(expectedInventory([record()], [deposit(1, 'okx'), later])).toEqual(new Map([['okx', 40_000_000n]]));
    // An open conversion's legs are not counted (its changes may be half applied).
    expect(expectedInventory([record({ status: 'withdrawn' })], [deposit(1, 'okx')])).toEqual(new Map());
  });
});

describe('conversion records', () => {
  it('derives the id from the schedule slot, so a retried event plans the same conversion', () => {
    expect(conversionId('LTC', 'BTC', 3_600_000 * 5 + 59_000, 60)).toBe('conv-LTC-BTC-5');
    expect(conversionId('LTC', 'BTC', 3_600_000 * 5 + 3_000_000, 60)).toBe('conv-LTC-BTC-5');
  });

  it('settles fills: unsold coins back, proceeds net of fees to miners and the pool fee to its wallets', () => {
    const s = settle(record(), 2_000, feeWallets);
    expect(s.soldAmount).toBe(300_000_000n);
    // 306000 − 307 − 1000 + 60600 − 61 − 2000
    expect(s.received).toBe(363_232n);
    // Reference for 3/4 of the amount: 360000; gain 3232; 20 % = 646.
    expect(s.fee).toBe(646n);
    expect(s.returned.reduce((a, r) => a + r.amount, 0n)).toBe(100_000_000n);
    expect(s.credits.reduce((a, c) => a + c.amount, 0n)).toBe(363_232n);
  });

  it('writes a ledger pair the audit accepts on both sides, and balances move as expected', () => {
    const r = record();
    const s = settle(r, 2_000, feeWallets);
    const { source, target } = settlementEntries(r, s, 1);
    const sourceLedger: LedgerEntry[] = [
      {
        id: 'pps:h1:miner:ltc1a',
        account: 'ltc1a',
        kind: 'pps',
        role: 'miner',
        amount: 300_000_000n,
        ref: 'h1',
        time: 0,
      },
      {
        id: 'pps:h1:miner:ltc1b',
        account: 'ltc1b',
        kind: 'pps',
        role: 'miner',
        amount: 100_000_000n,
        ref: 'h1',
        time: 0,
      },
      ...convertOutEntries(r, 1),
      ...source,
    ];
    const base = { matureBlocks: new Map(), creditedBlocks: new Map(), confirmedPayouts: new Map() };
    expect(
      audit({ ...base, entries: sourceLedger, conversions: new Map([[r.id, conversionLedgerView(r, 'source', s)]]) }),
    ).toMatchObject({ ok: true });
    expect(
      audit({ ...base, entries: target, conversions: new Map([[r.id, conversionLedgerView(r, 'target', s)]]) }),
    ).toMatchObject({ ok: true });
    const sourceBalances = balancesFromEntries(sourceLedger);
    expect(sourceBalances.get('ltc1a')!.confirmed + sourceBalances.get('ltc1b')!.confirmed).toBe(100_000_000n);
    expect(balancesFromEntries(target).get('bc1fee')!.confirmed > 0n).toBe(true);
  });

  it('is caught by the audit when a conversion entry is changed, missing or comes back larger than it went out', () => {
    const r = record();
    const s = settle(r, 2_000, feeWallets);
    const { target } = settlementEntries(r, s, 1);
    const base = { matureBlocks: new Map(), creditedBlocks: new Map(), confirmedPayouts: new Map() };
    const view = new Map([[r.id, conversionLedgerView(r, 'target', s)]]);
    const bumped = target.map((e, i) => (i === 0 ? { ...e, amount: e.amount + 1n } : e));
    expect(audit({ ...base, entries: bumped, conversions: view })).toMatchObject({ ok: false });
    expect(audit({ ...base, entries: target.slice(1), conversions: view })).toMatchObject({ ok: false });
    const out = convertOutEntries(r, 1)[0]!;
    const back = {
      ...out,
      id: out.id.replace('convert-out', 'convert-back'),
      kind: 'convert-back' as const,
      amount: out.amount + 1n,
    };
    const credit = {
      id: 'pps:h1:miner:ltc1a',
      account: 'ltc1a',
      kind: 'pps' as const,
      role: 'miner' as const,
      amount: out.amount,
      ref: 'h1',
      time: 0,
    };
    expect(audit({ ...base, entries: [credit, out, back] })).toMatchObject({
      ok: false,
      problem: expect.stringContaining('more than its convert-out'),
    });
  });
});

describe('conversion config', () => {
  it('applies the documented defaults and rejects unknown keys', () => {
    const c = conversionConfigSchema.parse({
      exchanges: [{ id: 'binance' }, { id: 'okx', takerFeeBps: 8, withdrawalFees: { BTC: '20000' } }],
      targets: [{ currency: 'BTC', feeWallets: [{ address: 'bc1fee' }] }],
    });
    expect(c).toMatchObject({
      maxSpreadBps: 50,
      maxSlippageBps: 100,
      maxPriceAgeSeconds: 10,
      feeShareBps: 2_000,
      scheduleMinutes: 60,
    });
    expect(c.exchanges[0]).toMatchObject({ takerFeeBps: 10, withdrawalFees: {} });
    expect(() => conversionConfigSchema.parse({ ...c, surprise: 1 })).toThrow();
    expect(() => conversionConfigSchema.parse({ ...c, exchanges: [{ id: 'binance' }, { id: 'binance' }] })).toThrow();
  });
});
