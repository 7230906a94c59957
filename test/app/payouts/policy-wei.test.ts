import { Wallet } from 'ethers';
import { describe, expect, it } from 'vitest';
import { payoutSettings } from '../../../app/payouts/policy.js';
import { parseConfig } from '../../../core/config/load.js';
import { planPayouts } from '../../../core/ledger/payouts.js';

const ETHER = 10n ** 18n;
const NOW = Date.UTC(2026, 0, 10);
const HOUR = 3_600_000;

/**
 * The payout thresholds of an ETC coin read from its config in wei (18 decimals) — open-ethereum-pool's threshold
 * and inactive threshold — as the payouts pass plans with them.
 */
describe('ETC payout thresholds in wei', () => {
  const coin = parseConfig({
    coins: [
      {
        symbol: 'ETC',
        poolAddress: Wallet.createRandom().address,
        daemons: [{ url: 'http://127.0.0.1:8545', user: 'u', password: 'p' }],
        ports: [{ port: 0, difficulty: { initial: 1, min: 1, max: 1 } }],
        payouts: {
          contract: Wallet.createRandom().address,
          minimum: '100000000000000000', // 0.1 ETC
          inactiveMinimum: '10000000000000001', // 0.01 ETC + 1 wei
          inactiveAfterHours: 24,
          maxRecipients: 100,
        },
      },
    ],
  }).coins[0]!;
  const [big, justBelow, idle, idleDust, active] = Array.from({ length: 5 }, () => Wallet.createRandom().address);
  const lastShare: Record<string, number> = { [idle!]: NOW - 25 * HOUR, [idleDust!]: NOW - 48 * HOUR };
  const settings = payoutSettings(
    coin,
    {
      lastShareAt: async (_c, miner) => lastShare[miner] ?? NOW - HOUR,
      getMinerStats: async () => {
        throw new Error('payouts read only the last share');
      },
    },
    () => NOW,
  );
  const balance = (confirmed: bigint) => ({ immature: 0n, confirmed, pending: 0n, paid: 0n });

  it('pays the minimum and above, and an idle miner from the inactive minimum, to the wei', async () => {
    expect(settings.policy).toMatchObject({ minimum: ETHER / 10n, inactiveMinimum: ETHER / 100n + 1n });
    const balances = new Map([
      [big!, balance(12n * ETHER + 345n)],
      [justBelow!, balance(ETHER / 10n - 1n)],
      [idle!, balance(ETHER / 100n + 1n)],
      [idleDust!, balance(ETHER / 100n)],
      [active!, balance(ETHER / 20n)],
    ]);
    const activity = new Map<string, number>();
    for (const a of balances.keys()) activity.set(a, await settings.lastActivity!(a));
    const [plan] = planPayouts({
      balances,
      thresholds: settings.policy,
      lastActivity: (a) => activity.get(a)!,
      maxRecipients: settings.policy.maxRecipients,
      now: NOW,
    });
    expect(plan).toEqual([
      { account: big, amount: 12n * ETHER + 345n },
      { account: idle, amount: ETHER / 100n + 1n },
    ]);
  });

  it("settles an ETC payout 120 blocks deep unless payouts.confirmations says otherwise; LTC's after one block", () => {
    const shares = { lastShareAt: async () => NOW, getMinerStats: async () => ({}) as never };
    const withPayouts = (payouts: object) => ({ ...coin, payouts: { ...coin.payouts!, ...payouts } });
    expect(settings.confirmations).toBe(120);
    expect(payoutSettings(withPayouts({ confirmations: 30 }), shares, () => NOW).confirmations).toBe(30);
    const ltc = { symbol: 'LTC', payouts: { ...coin.payouts!, confirmations: undefined } } as typeof coin;
    expect(payoutSettings(ltc, shares, () => NOW).confirmations).toBe(1);
    const config = (confirmations: number) => ({ coins: [withPayouts({ confirmations })] });
    expect(parseConfig(config(12)).coins[0]!.payouts!.confirmations).toBe(12);
    expect(() => parseConfig(config(0))).toThrow(/confirmations/);
  });
});
