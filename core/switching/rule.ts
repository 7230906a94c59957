import { percentAbove } from './earnings.js';

/** The switching rule's settings (`switching[]` of the config). */
export interface SwitchingRules {
  /** The best coin must beat the current one by this much (percent of the current's earnings)… */
  marginPercent: number;
  /** …at every evaluation for this long before the port switches (hysteresis). */
  holdSeconds: number;
  /** A coin whose price is older than this is never switched to (and the current one with it is left at once). */
  maxPriceAgeSeconds: number;
}

/** What the rule knows of one coin at an evaluation. */
export interface CoinStanding {
  coin: string;
  /** earningsPerHash (core/switching/earnings.ts); undefined when not computable (no reward seen yet, no price). */
  earnings: bigint | undefined;
  /** At least one of the coin's own nodes answers. */
  healthy: boolean;
  /** When the coin's price was read (ms); undefined: no price yet. */
  priceAt: number | undefined;
}

/** The rule's memory between evaluations: plain data, so it can be recorded and restored. */
export interface SwitchingMemory {
  current: string;
  /** When the port moved to `current` (or started on it), ms. */
  since: number;
  /** Each coin that has beaten the current one by the margin at every evaluation since this time (ms). */
  aheadSince: Readonly<Record<string, number>>;
}

export interface Evaluation {
  memory: SwitchingMemory;
  /** Set when the port must switch now: the coin to switch to and why, in words. */
  switchTo?: { coin: string; reason: string };
  /** Per coin in the order given: may the port mine it now, and if not, why. */
  eligibility: Array<{ coin: string; eligible: boolean; because?: string }>;
  /** The coin ahead of the current one that is nearest to being switched to, and since when. */
  leader?: { coin: string; since: number };
}

/** Why a coin may not be mined now, or undefined when it may. */
export function ineligibility(c: CoinStanding, now: number, rules: SwitchingRules): string | undefined {
  if (!c.healthy) return 'unhealthy: no node of the coin answers';
  if (c.priceAt === undefined) return 'no price';
  const age = now - c.priceAt;
  if (age > rules.maxPriceAgeSeconds * 1000) return `price stale (${Math.floor(age / 1000)} s old)`;
  if (c.earnings === undefined) return 'no reward seen yet';
  return undefined;
}

/**
 * One evaluation of the switching rule (pure: the clock is `now`). The port moves to the best eligible coin when it
 * beats the current one by more than `marginPercent` at every evaluation for `holdSeconds`; a coin that falls back
 * within the margin starts its hold over. It never moves to a coin that is unhealthy, has no price, or whose price is
 * older than `maxPriceAgeSeconds`. When the current coin itself becomes ineligible, it moves at once to the best
 * eligible coin; with none, it stays. Ties go to the current coin, then to the earlier coin in `standings`.
 */
export function evaluate(
  memory: SwitchingMemory,
  standings: readonly CoinStanding[],
  now: number,
  rules: SwitchingRules,
): Evaluation {
  const eligibility = standings.map((c) => {
    const because = ineligibility(c, now, rules);
    return because === undefined ? { coin: c.coin, eligible: true } : { coin: c.coin, eligible: false, because };
  });
  const eligible = standings.filter((_, i) => eligibility[i]!.eligible) as Array<CoinStanding & { earnings: bigint }>;
  const best = eligible.reduce<(CoinStanding & { earnings: bigint }) | undefined>(
    (b, c) => (b === undefined || c.earnings > b.earnings ? c : b),
    eligible.find((c) => c.coin === memory.current),
  );
  const current = eligible.find((c) => c.coin === memory.current);
  if (!current) {
    const because = eligibility.find((e) => e.coin === memory.current)?.because ?? 'not a coin of the port';
    if (!best) return { memory: { ...memory, aheadSince: {} }, eligibility };
    return moved(best.coin, `${memory.current} ${because}`, now, eligibility);
  }
  // Margin in basis points, exact on bigints: ahead when earnings × 10000 > current × (10000 + margin).
  const marginBps = BigInt(Math.round(rules.marginPercent * 100));
  const aheadSince: Record<string, number> = {};
  for (const c of eligible) {
    if (c.coin === current.coin) continue;
    if (c.earnings * 10_000n > current.earnings * (10_000n + marginBps)) {
      aheadSince[c.coin] = memory.aheadSince[c.coin] ?? now;
    }
  }
  const next: SwitchingMemory = { ...memory, aheadSince };
  const leaderSince = best && best.coin !== current.coin ? aheadSince[best.coin] : undefined;
  if (!best || leaderSince === undefined) return { memory: next, eligibility };
  const leader = { coin: best.coin, since: leaderSince };
  if (now - leaderSince < rules.holdSeconds * 1000) return { memory: next, eligibility, leader };
  const reason =
    `${best.coin} beat ${current.coin} by ${percentAbove(best.earnings, current.earnings)}% ` +
    `(margin ${rules.marginPercent}%) for ${Math.floor((now - leaderSince) / 1000)} s`;
  return moved(best.coin, reason, now, eligibility);
}

function moved(to: string, reason: string, now: number, eligibility: Evaluation['eligibility']): Evaluation {
  return {
    memory: { current: to, since: now, aheadSince: {} },
    switchTo: { coin: to, reason },
    eligibility,
  };
}
