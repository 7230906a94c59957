import { emailHash } from '../../core/accounts/tokens.js';
import type { AccountApiDeps } from './deps.js';
import { RateLimitedError } from './errors.js';

const HOUR_MS = 3_600_000;

/**
 * Sign-in, sign-up and recovery attempts per source IP per hour (fixed windows): past `signIn.perIpPerHour` the
 * address gets 429 with Retry-After until the hour ends. Counts every attempt, right or wrong: it bounds how fast one
 * address can try passwords or make the pool send mails.
 */
export async function spendIpAttempt(deps: AccountApiDeps, ip: string): Promise<void> {
  const spent = await spendHourly(deps, `ip:${ip}`, deps.accounts.signIn.perIpPerHour);
  if (spent !== true) throw new RateLimitedError(spent.retryAfterSeconds);
}

/**
 * Counts one use of `key` in the current hour (fixed window): true within `perHour`, else how long until the hour
 * ends. Keys are hashed or not personal (an IP, `reset:<email hash>`).
 */
export async function spendHourly(
  deps: AccountApiDeps,
  key: string,
  perHour: number,
): Promise<true | { retryAfterSeconds: number }> {
  const now = deps.now();
  const windowStart = now - (now % HOUR_MS);
  const n = await deps.store.countAttempt(key, windowStart, HOUR_MS);
  return n <= perHour ? true : { retryAfterSeconds: Math.ceil((windowStart + HOUR_MS - now) / 1000) };
}

/** The failure counter of an email: keyed by its hash (the table never holds a tried email in clear). */
const failureKey = (email: string) => `fail:${emailHash(email)}`;

function lockWindows(deps: AccountApiDeps): { current: number; previous: number; ms: number } {
  const ms = deps.accounts.signIn.lockoutMinutes * 60_000;
  const now = deps.now();
  const current = now - (now % ms);
  return { current, previous: current - ms, ms };
}

/**
 * Whether an email is locked: `maxFailures` failed sign-ins (password, TOTP code, recovery code) within the current or
 * the previous window of `lockoutMinutes`, so a lock lasts at least `lockoutMinutes`. A locked email is answered
 * exactly as a wrong password is (same 401, no Retry-After): the lock does not tell that the email has an account.
 */
export async function isLocked(deps: AccountApiDeps, email: string): Promise<boolean> {
  const { current, previous } = lockWindows(deps);
  const max = deps.accounts.signIn.maxFailures;
  const [a, b] = await Promise.all([
    deps.store.attempts(failureKey(email), current),
    deps.store.attempts(failureKey(email), previous),
  ]);
  return a >= max || b >= max;
}

export async function countFailure(deps: AccountApiDeps, email: string): Promise<void> {
  const { current, ms } = lockWindows(deps);
  await deps.store.countAttempt(failureKey(email), current, 2 * ms);
}
