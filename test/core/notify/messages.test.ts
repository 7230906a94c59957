import { describe, expect, it } from 'vitest';
import type { NotifyEvent } from '../../../core/notify/events.js';
import { composeMessages, inQuietHours, renderText, webhookPayload } from '../../../core/notify/messages.js';

const H = 3_600_000;
const day = Date.UTC(2026, 4, 1);
const offline = (worker: string, at: number): NotifyEvent => ({
  type: 'worker-offline',
  id: `worker-offline:LTC:addr:${worker}:${at - 900_000}`,
  at,
  coin: 'LTC',
  address: 'addr',
  worker,
  lastShareAt: at - 900_000,
});
const changed = (at: number): NotifyEvent => ({
  type: 'payout-address-changed',
  id: `payout-address-changed:a:${at}`,
  at,
  detail: 'LTC payout address: rltc1qnew',
  ip: '203.0.113.9',
});

describe('digests', () => {
  it('sends up to digestAfter offline workers one by one and more than that as one digest', () => {
    const three = [offline('a', day + 10 * H), offline('b', day + 10 * H), offline('c', day + 10 * H)];
    expect(composeMessages(three, {}, day + 11 * H, 3).messages).toHaveLength(3);
    const four = [...three, offline('d', day + 10 * H)];
    const { messages } = composeMessages(four, {}, day + 11 * H, 3);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ digest: 'workers' });
    expect(messages[0]!.events).toHaveLength(4);
    expect(renderText(messages[0]!, 'pool').subject).toBe('pool: 4 workers offline');
  });

  it('names a digest after its events, whatever their order', () => {
    const four = ['a', 'b', 'c', 'd'].map((w) => offline(w, day + 10 * H));
    const a = composeMessages(four, {}, day + 11 * H, 3).messages[0]!.id;
    const b = composeMessages([...four].reverse(), {}, day + 11 * H, 3).messages[0]!.id;
    expect(a).toBe(b);
    expect(a).toMatch(/^digest:[0-9a-f]{24}$/);
  });
});

describe('quiet hours', () => {
  const quiet = { quietHours: { from: 22, to: 7 } };

  it('knows when quiet hours are, across midnight', () => {
    expect(inQuietHours(quiet.quietHours, day + 23 * H)).toBe(true);
    expect(inQuietHours(quiet.quietHours, day + 3 * H)).toBe(true);
    expect(inQuietHours(quiet.quietHours, day + 7 * H)).toBe(false);
    expect(inQuietHours({ from: 9, to: 17 }, day + 12 * H)).toBe(true);
    expect(inQuietHours(undefined, day)).toBe(false);
  });

  it('holds non-urgent events in quiet hours but lets a payout address change through', () => {
    const { messages, held } = composeMessages(
      [offline('a', day + 2 * H), changed(day + 2 * H)],
      quiet,
      day + 3 * H,
      3,
    );
    expect(messages.map((m) => m.events[0]!.type)).toEqual(['payout-address-changed']);
    expect(held.map((e) => e.type)).toEqual(['worker-offline']);
  });

  it('delivers what quiet hours held as one digest when they end', () => {
    const heldBack = [offline('a', day + 2 * H), offline('b', day + 5 * H)];
    const fresh = offline('c', day + 7 * H + 60_000);
    const { messages, held } = composeMessages([...heldBack, fresh], quiet, day + 7 * H + 120_000, 3);
    expect(held).toEqual([]);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({ digest: 'quiet-hours' });
    expect(messages[0]!.events.map((e) => e.id)).toEqual(heldBack.map((e) => e.id));
    expect(messages[1]!.events).toEqual([fresh]);
    expect(renderText(messages[0]!, 'pool').text).toContain('While your quiet hours lasted (2 events)');
  });
});

describe('rendering', () => {
  it('writes amounts in coins and serializes bigint amounts as strings in the webhook body', () => {
    const e: NotifyEvent = {
      type: 'payout-sent',
      id: 'payout-sent:LTC:p1:addr',
      at: day,
      coin: 'LTC',
      address: 'addr',
      payoutId: 'p1',
      amount: 150_000_000n,
      txid: 'tx1',
    };
    const m = { id: e.id, events: [e] };
    expect(renderText(m, 'edgepool').subject).toBe('edgepool: payout of 1.5 LTC sent');
    const body = JSON.parse(JSON.stringify(webhookPayload(m, day + 1500)));
    expect(body).toMatchObject({
      id: e.id,
      timestamp: Math.floor((day + 1500) / 1000),
      events: [{ amount: '150000000' }],
    });
  });
});
