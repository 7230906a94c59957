import { newId, newToken, tokenHash } from '../../core/accounts/tokens.js';
import type { AccountId } from '../../core/accounts/types.js';
import { NotFoundError } from '../../core/errors.js';
import { minerDetail } from '../stats/api.js';
import type { AccountApiDeps } from './deps.js';
import { AccountConflictError } from './errors.js';
import { log } from './profile.js';

/**
 * Watcher links (issue 19): a read-only view of an account's miners to share (a farm's staff, a host). The token is
 * shown once at creation; the pool keeps its hash. The view has no email, no settings, no change log.
 */

const watcherView = (w: { id: string; label: string; createdAt: number; revokedAt?: number }) => ({
  id: w.id,
  label: w.label,
  createdAt: w.createdAt,
  ...(w.revokedAt === undefined ? {} : { revokedAt: w.revokedAt }),
});

export async function listWatchers(deps: AccountApiDeps, account: AccountId) {
  return { watchers: (await deps.store.listWatchers(account)).map(watcherView) };
}

export async function createWatcher(deps: AccountApiDeps, account: AccountId, label: string, ip: string) {
  const live = (await deps.store.listWatchers(account)).filter((w) => w.revokedAt === undefined);
  if (live.length >= deps.accounts.maxWatcherLinks) {
    throw new AccountConflictError(`at most ${deps.accounts.maxWatcherLinks} watcher links: revoke one first`);
  }
  const token = newToken();
  const link = { id: newId(), tokenHash: tokenHash(token), label, createdAt: deps.now() };
  await deps.store.putWatcher(account, link);
  await log(deps, account, ip, 'watcher-created', `watcher link "${label}" created`, 'account');
  return { watcher: watcherView(link), token, url: `${deps.accounts.publicUrl}/#/watch/${token}` };
}

export async function revokeWatcher(deps: AccountApiDeps, account: AccountId, id: string, ip: string) {
  const link = (await deps.store.listWatchers(account)).find((w) => w.id === id && w.revokedAt === undefined);
  if (!link) throw new NotFoundError('no such watcher link');
  await deps.store.revokeWatcher(account, id, deps.now());
  await log(deps, account, ip, 'watcher-revoked', `watcher link "${link.label}" revoked`, 'account');
}

/** GET /api/watch/:token: the account's miners per coin, as the miner pages show them (balances, hashrate, workers). */
export async function watchView(deps: AccountApiDeps, token: string) {
  const account = await deps.store.accountOfWatcher(tokenHash(token));
  if (account === undefined) throw new NotFoundError('this watcher link is unknown or revoked');
  const link = (await deps.store.listWatchers(account)).find((w) => w.tokenHash === tokenHash(token));
  const identities = await deps.store.listIdentities(account);
  const coins: Array<{ coin: string; miners: unknown[] }> = [];
  const stats = deps.stats;
  for (const id of identities) {
    const coin = stats?.pool.coins.find((c) => c.symbol === id.coin);
    if (!stats || !coin) continue;
    const m = await minerDetail(stats, coin, id.address);
    let entry = coins.find((c) => c.coin === id.coin);
    if (!entry) {
      entry = { coin: id.coin, miners: [] };
      coins.push(entry);
    }
    entry.miners.push({
      address: id.address,
      label: id.label,
      hashrate: m.hashrate,
      balance: m.balance,
      workers: m.workers.map((w) => ({
        name: w.name,
        hashrate: w.hashrate,
        lastShareAt: w.lastShareAt,
        offline: w.offline,
      })),
    });
  }
  return { label: link?.label ?? '', coins };
}
