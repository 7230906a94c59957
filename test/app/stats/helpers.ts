import type { ApiDeps } from '../../../app/stats/api.js';
import type { PublicCoin } from '../../../app/stats/public.js';
import { blockEntries, payoutEntries } from '../../../core/ledger/ledger.js';
import type { PayoutRecord } from '../../../core/ledger/payouts.js';
import type { MoneyStore } from '../../../core/ports/money-store.js';
import type { ShareIngestStore } from '../../../core/ports/share-store.js';
import type { SwitchingState, SwitchingStore, SwitchRecord } from '../../../core/ports/switching-store.js';

/** A coin as the stats API shows it: a PPLNS regtest coin without ports, unless `extra` says otherwise. */
export function testCoin(symbol: string, extra: Partial<PublicCoin> = {}): PublicCoin {
  return {
    symbol,
    network: 'regtest',
    scheme: 'PPLNS',
    feeBasisPoints: 100,
    payoutMinimum: '1000',
    ports: [],
    stratumHost: null,
    ...extra,
  };
}

/** The pool the stats tests serve: one LTC regtest coin. */
export const TEST_POOL: ApiDeps['pool'] = { name: 'test pool', coins: [testCoin('LTC')] };

/** The stats API over a store's share views and a money store, answering at `now` (the test pool). */
export const storeDeps = (
  shares: Pick<ApiDeps, 'rounds' | 'miners' | 'poolStats'>,
  money: ApiDeps['money'],
  now: number,
): ApiDeps => ({
  pool: TEST_POOL,
  rounds: shares.rounds,
  miners: shares.miners,
  poolStats: shares.poolStats,
  money,
  now: () => now,
});

/**
 * DOGE (merged with LTC) as ingest and its money passes leave it: block 77 found by `finder`'s LTC share of round
 * 10 (difficulty 0.25 × 65536), `account` credited 700 of it (matured), 500 of that reserved by a pending payout to
 * `auxAddress`. Returns the payout.
 */
export async function seedAuxMoney(
  ingest: Pick<ShareIngestStore, 'putBlock'>,
  money: Pick<MoneyStore, 'putEntries' | 'createPayout'>,
  p: { hash: string; finder: string; account: string; auxAddress: string; now: number },
): Promise<PayoutRecord> {
  await ingest.putBlock('DOGE', {
    height: 77,
    hash: p.hash,
    reward: '1000000000000',
    networkDifficulty: 0.25 * 65536,
    submitResult: 'accepted',
    miner: p.finder,
    worker: '',
    shareDifficulty: 64,
    actualDifficulty: 128,
    time: p.now - 60_000,
    batchId: 'b1',
    round: { coin: 'LTC', height: 10 },
  });
  const credit = [{ account: p.account, role: 'miner' as const, amount: 700n }];
  await money.putEntries('DOGE', [
    ...blockEntries('immature', p.hash, credit, p.now - 50_000),
    ...blockEntries('mature', p.hash, credit, p.now - 40_000),
  ]);
  const payout: PayoutRecord = {
    id: 'doge-payout-1',
    coin: 'DOGE',
    status: 'pending',
    recipients: [{ account: p.account, amount: 500n, address: p.auxAddress }],
    total: 500n,
    createdAt: p.now - 30_000,
    updatedAt: p.now - 30_000,
  };
  await money.createPayout('DOGE', payout);
  await money.putEntries('DOGE', payoutEntries('reserve', payout, p.now - 30_000));
  return payout;
}

/**
 * The SwitchingStore port in memory, as its contract says (core/ports/switching-store.ts): one state per port,
 * switches kept once per (port, time), read newest first from `since`, at most `limit` (default 100).
 */
export function memorySwitchingStore(): SwitchingStore {
  const states = new Map<string, SwitchingState>();
  const switches = new Map<string, SwitchRecord>();
  return {
    putState: async (state) => {
      states.set(state.port, structuredClone(state));
    },
    recordSwitch: async (record) => {
      const key = `${record.port}#${record.at}`;
      if (!switches.has(key)) switches.set(key, { ...record });
    },
    state: async (port) => states.get(port),
    switches: async (port, { since = 0, limit = 100 } = {}) =>
      [...switches.values()]
        .filter((s) => s.port === port && s.at >= since)
        .sort((a, b) => b.at - a.at)
        .slice(0, limit),
  };
}
