import { describe, expect, it } from 'vitest';
import type { NotificationSettings } from '../../../core/accounts/types.js';
import type { BlockRecord } from '../../../core/blocks/block.js';
import type { PayoutRecord } from '../../../core/ledger/payouts.js';
import {
  type AccountSnapshot,
  amountPaidTo,
  detectEvents,
  hashrateDrop,
  MINUTE_MS,
} from '../../../core/notify/events.js';
import type { MinerStats, MinuteBucket } from '../../../core/ports/share-store.js';

const ADDR = 'rltc1qminer';
const NOW = Date.UTC(2026, 4, 1, 12, 0, 30);
const nowMinute = Math.floor(NOW / MINUTE_MS);

const all: NotificationSettings['events'] = {
  'worker-offline': ['email'],
  'hashrate-drop': ['email'],
  'block-found-pool': ['email'],
  'block-found-mine': ['email'],
  'payout-sent': ['email'],
  'payout-address-changed': ['email'],
};
const settings = (events = all): NotificationSettings => ({
  events,
  workerOfflineMinutes: 15,
  hashrateDropPercent: 50,
});

function stats(workers: Array<{ worker: string; lastShareAt: number }>, minutes: MinuteBucket[] = []): MinerStats {
  return {
    coin: 'LTC',
    miner: ADDR,
    total: { shares: 0, difficulty: 0 },
    minutes,
    workers: workers.map((w) => ({ ...w, minutes: [], refused: {} as MinerStats['workers'][number]['refused'] })),
  };
}

function snapshot(over: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    account: 'acc-1',
    settings: settings(),
    identities: [{ coin: 'LTC', address: ADDR, label: 'farm', addedAt: 0 }],
    miners: [],
    blocks: [],
    payouts: [],
    log: [],
    ...over,
  };
}

/** `difficulty` per minute from `from` to `to` minutes before now (inclusive, counting back from the last full one). */
function buckets(from: number, to: number, difficulty: number): MinuteBucket[] {
  const out: MinuteBucket[] = [];
  for (let k = from; k >= to; k--) out.push({ minute: nowMinute - k, shares: 1, difficulty });
  return out;
}

describe('worker offline', () => {
  it('reports a worker silent for the configured minutes, with an id naming its last share', () => {
    const last = NOW - 16 * MINUTE_MS;
    const events = detectEvents(
      snapshot({
        miners: [
          {
            coin: 'LTC',
            address: ADDR,
            stats: stats([
              { worker: 'rig1', lastShareAt: last },
              { worker: 'rig2', lastShareAt: NOW - 14 * MINUTE_MS },
            ]),
          },
        ],
      }),
      NOW,
    );
    expect(events).toEqual([
      expect.objectContaining({
        type: 'worker-offline',
        id: `worker-offline:LTC:${ADDR}:rig1:${last}`,
        worker: 'rig1',
        at: last + 15 * MINUTE_MS,
      }),
    ]);
  });

  it('keeps the same id on a later pass and makes a new one after the worker came back and left again', () => {
    const last = NOW - 20 * MINUTE_MS;
    const s = (t: number) =>
      snapshot({ miners: [{ coin: 'LTC', address: ADDR, stats: stats([{ worker: 'rig1', lastShareAt: t }]) }] });
    const first = detectEvents(s(last), NOW)[0]!.id;
    expect(detectEvents(s(last), NOW + 30 * MINUTE_MS)[0]!.id).toBe(first);
    const again = detectEvents(s(NOW + 60 * MINUTE_MS), NOW + 90 * MINUTE_MS)[0]!.id;
    expect(again).not.toBe(first);
  });

  it('reports nothing the account did not ask for', () => {
    const miners = [{ coin: 'LTC', address: ADDR, stats: stats([{ worker: 'rig1', lastShareAt: NOW - 3_600_000 }]) }];
    expect(detectEvents(snapshot({ miners, settings: settings({ 'payout-sent': ['email'] }) }), NOW)).toEqual([]);
  });
});

describe('hashrate drop', () => {
  const m = (minutes: MinuteBucket[]) => ({ coin: 'LTC', address: ADDR, stats: stats([], minutes) });

  it('reports the last 10 minutes below the percentage of the day average, dated from the last healthy window', () => {
    // 3 hours at 100 a minute, then the last 10 full minutes at 10.
    const e = hashrateDrop(m([...buckets(190, 11, 100), ...buckets(10, 1, 10)]), 50, NOW);
    expect(e).toMatchObject({ type: 'hashrate-drop', recentPerMinute: 10 });
    expect(e?.type === 'hashrate-drop' && e.averagePerMinute).toBeCloseTo((180 * 100 + 10 * 10) / 190);
    // The last window that reached the average ends where the drop began.
    expect(e!.id).toBe(`hashrate-drop:LTC:${ADDR}:${nowMinute - 11}`);
  });

  it('keeps its id while the drop lasts', () => {
    const history = [...buckets(190, 11, 100), ...buckets(10, 1, 10)];
    const first = hashrateDrop(m(history), 50, NOW)!.id;
    const later = hashrateDrop(m([...history, { minute: nowMinute, shares: 1, difficulty: 12 }]), 50, NOW + MINUTE_MS);
    expect(later!.id).toBe(first);
  });

  it('says nothing above the percentage, or with under an hour of history', () => {
    expect(hashrateDrop(m(buckets(190, 1, 100)), 50, NOW)).toBeUndefined();
    expect(hashrateDrop(m([...buckets(190, 11, 100), ...buckets(10, 1, 60)]), 50, NOW)).toBeUndefined();
    expect(hashrateDrop(m([...buckets(40, 11, 100), ...buckets(10, 1, 1)]), 50, NOW)).toBeUndefined();
  });
});

describe('blocks, payouts, address changes', () => {
  const block = (miner: string, height: number, time = NOW - 60_000): BlockRecord => ({
    coin: 'LTC',
    status: 'pending',
    height,
    hash: `h${height}`,
    reward: '2500000000',
    networkDifficulty: 1,
    submitResult: 'accepted',
    miner,
    worker: 'rig1',
    shareDifficulty: 1,
    actualDifficulty: 2,
    time,
  });

  it('tells the finder it found the block and others that the pool did; old and orphaned blocks are skipped', () => {
    const orphan = { ...block('other', 12), status: 'orphaned' as const };
    const events = detectEvents(
      snapshot({ blocks: [block(ADDR, 10), block('other', 11), orphan, block('other', 9, NOW - 2 * 86_400_000)] }),
      NOW,
    );
    expect(events.map((e) => e.id)).toEqual(['block-found-mine:LTC:10:h10', 'block-found-pool:LTC:11:h11']);
  });

  it('reports a payout that went out, with the identity’s amount, once per payout and identity', () => {
    const payout = (status: PayoutRecord['status'], txid?: string): PayoutRecord => ({
      id: 'p1',
      coin: 'LTC',
      status,
      recipients: [
        { account: ADDR, amount: 150_000_000n },
        { account: 'other', amount: 5n },
      ],
      total: 150_000_005n,
      ...(txid ? { txid } : {}),
      createdAt: NOW - 120_000,
      updatedAt: NOW - 60_000,
    });
    const p = payout('sent', 'tx1');
    const events = detectEvents(
      snapshot({
        payouts: [
          { coin: 'LTC', address: ADDR, amount: amountPaidTo(p, ADDR), payout: p },
          { coin: 'LTC', address: ADDR, amount: 1n, payout: { ...payout('sending'), id: 'p2' } },
        ],
      }),
      NOW,
    );
    expect(events).toEqual([
      expect.objectContaining({ id: `payout-sent:LTC:p1:${ADDR}`, amount: 150_000_000n, txid: 'tx1' }),
    ]);
  });

  it('reports a payout address change from the change log, not other changes', () => {
    const events = detectEvents(
      snapshot({
        log: [
          {
            at: NOW - 1000,
            ip: '203.0.113.9',
            kind: 'payout-settings',
            detail: 'LTC payout address: rltc1qnew',
            source: 'totp+email',
          },
          {
            at: NOW - 2000,
            ip: '203.0.113.9',
            kind: 'payout-settings',
            detail: 'LTC threshold: 1',
            source: 'totp+email',
          },
          { at: NOW - 3000, ip: '203.0.113.9', kind: 'totp-enabled', detail: 'payout address', source: 'account' },
        ],
      }),
      NOW,
    );
    expect(events).toEqual([
      expect.objectContaining({ type: 'payout-address-changed', id: `payout-address-changed:acc-1:${NOW - 1000}` }),
    ]);
  });
});
