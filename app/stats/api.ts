import type { MoneyBlock } from '../../core/blocks/block.js';
import { type CoinDefinition, getCoin, validateAddress } from '../../core/coins/index.js';
import { BadRequestError, InvalidAddressError, NotFoundError } from '../../core/errors.js';
import { jsonSafe } from '../../core/json.js';
import type { Balance, LedgerEntry } from '../../core/ledger/ledger.js';
import type { PayoutRecord } from '../../core/ledger/payouts.js';
import type { LiveStatsSource } from '../../core/ports/live-stats.js';
import type { MoneyStore } from '../../core/ports/money-store.js';
import type {
  MinerActivityReader,
  MinuteBucket,
  PoolStatsReader,
  RoundShareReader,
} from '../../core/ports/share-store.js';
import { averageEffort, effort, hashrate, isOffline, OFFLINE_AFTER_MS } from '../../core/stats/hashrate.js';
import { findRoute, pathParts } from '../shared/routing.js';
import { type AuxAddressRouteDeps, auxAddressOf, auxAddressView, changeAuxAddress, parentOf } from './aux-address.js';
import { type ConversionApiDeps, changePreference, conversionView } from './conversion.js';
import { type ExportRow, toCsv, toXlsx } from './export.js';
import { httpStatusOf } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import type { PublicCoin } from './public.js';
import { referralEarningsOf } from './referrals.js';
import type {
  Block,
  Blocks,
  Chain,
  HashratePoint,
  HashrateWindows,
  MergedSide,
  Miner,
  MinerPayment,
  Online,
  Payments,
  PoolDetail,
  PoolHistory,
  Pools,
} from './schema.js';
import {
  balanceStrings,
  type SwitchingApiDeps,
  switchingBreakdown,
  switchingHistory,
  switchingPorts,
} from './switching.js';

export interface ApiDeps {
  pool: { name: string; coins: PublicCoin[] };
  /** Round totals (luck, effort). */
  rounds: RoundShareReader;
  /** A miner's page. */
  miners: MinerActivityReader;
  /** The pool's totals and minute buckets. */
  poolStats: PoolStatsReader;
  money: MoneyStore;
  /** What the stratum servers report (network, miners online); without it those fields are null. */
  live?: LiveStatsSource;
  now: () => number;
  /** Miners' payout currency (auto-conversion); without it the conversion routes say it is off. */
  conversion?: ConversionApiDeps;
  /** A worker silent this long is shown offline (default core/stats OFFLINE_AFTER_MS, 10 minutes). */
  offlineAfterMs?: number;
  /** Merged mining: miners' aux payout addresses (shown on miner pages, set by a signed message). */
  auxAddresses?: AuxAddressRouteDeps['auxAddresses'];
  /** Auto-switching ports (issue 17): their tables and switches; without it `/api/switching` lists none. */
  switching?: SwitchingApiDeps;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The request body (POST), as text. */
  body?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Binary bodies (XLSX) travel base64-encoded, as API Gateway expects. */
  isBase64Encoded?: boolean;
}

/** Short and long hashrate windows the API reports (minutes). */
const WINDOWS = { '10m': 10, '3h': 180 } as const;
/** Luck is averaged over the last 64, 128 and 256 blocks. */
const LUCK_BLOCKS = 256;

/** A route's handler gets the request with the path's named segments (`:coin` → params.coin), decoded. */
type RouteRequest = ApiRequest & { params: Readonly<Record<string, string>> };

interface Route {
  method: 'GET' | 'POST';
  /** Literal segments and `:name` segments, under /api. */
  pattern: string;
  handler: (req: RouteRequest, deps: ApiDeps) => Promise<ApiResponse>;
}

/** The API: every route, one line each; the path's coin is checked by the route (400 for a coin the pool lacks). */
const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: '/openapi.json', handler: async () => ok(openApiDocument(), 300) },
  { method: 'GET', pattern: '/pools', handler: async (_, d) => ok(await pools(d), 10) },
  // Auto-switching (app/stats/switching.ts): the ports and their profitability tables, each port's switches.
  { method: 'GET', pattern: '/switching', handler: async (_, d) => ok(await switchingPorts(d.switching, d.now()), 10) },
  {
    method: 'GET',
    pattern: '/switching/:name/history',
    handler: async (r, d) =>
      ok(
        await switchingHistory(d.switching, r.params.name!, {
          hours: hoursOf(r.query),
          limit: limitOf(r.query),
          now: d.now(),
        }),
        30,
      ),
  },
  { method: 'GET', pattern: '/pools/:coin', handler: async (r, d) => ok(await poolDetail(d, coinOf(r, d)), 10) },
  {
    method: 'GET',
    pattern: '/pools/:coin/blocks',
    handler: async (r, d) => ok(await blocks(d, coinOf(r, d), limitOf(r.query)), 30),
  },
  {
    method: 'GET',
    pattern: '/pools/:coin/payments',
    handler: async (r, d) => ok(await payments(d, coinOf(r, d), limitOf(r.query)), 30),
  },
  {
    method: 'GET',
    pattern: '/pools/:coin/history',
    handler: async (r, d) => ok(await poolHistory(d, coinOf(r, d), hoursOf(r.query)), 60),
  },
  {
    method: 'GET',
    pattern: '/pools/:coin/miners/:address',
    handler: async (r, d) => ok(await minerDetail(d, ...minerOf(r, d)), 10),
  },
  // The one write: a miner's payout currency, signed by the miner's key (app/stats/conversion.ts).
  {
    method: 'GET',
    pattern: '/pools/:coin/miners/:address/conversion',
    handler: async (r, d) => ok(await conversionView(d, ...minerOf(r, d)), 0),
  },
  {
    method: 'POST',
    pattern: '/pools/:coin/miners/:address/conversion',
    handler: async (r, d) => ok(await changePreference(d, ...minerOf(r, d), r.body), 0),
  },
  // Merged mining: the aux payout address of a mining address, set by a message its key signed (app/stats/aux-address.ts).
  {
    method: 'GET',
    pattern: '/pools/:coin/miners/:address/payout-address',
    handler: async (r, d) => ok(await auxAddressView(d, ...minerOf(r, d)), 0),
  },
  {
    method: 'POST',
    pattern: '/pools/:coin/miners/:address/payout-address',
    handler: async (r, d) => ok(await changeAuxAddress(d, ...minerOf(r, d), r.body), 0),
  },
  {
    method: 'GET',
    pattern: '/pools/:coin/miners/:address/export.csv',
    handler: (r, d) => exportMiner(d, ...minerOf(r, d), 'csv'),
  },
  {
    method: 'GET',
    pattern: '/pools/:coin/miners/:address/export.xlsx',
    handler: (r, d) => exportMiner(d, ...minerOf(r, d), 'xlsx'),
  },
];

const coinOf = (r: RouteRequest, deps: ApiDeps) => knownCoin(deps, r.params.coin!);

/**
 * The coin and the miner's account of a miner route, both checked: the address as the pool keeps it (canonical). A
 * merge-mined coin's ledger is keyed by the parent's mining addresses: its miner routes take the parent's format.
 */
function minerOf(r: RouteRequest, deps: ApiDeps): [PublicCoin, string] {
  const coin = coinOf(r, deps);
  const miningCoin = coin.mergedWith === undefined ? coin : parentOf(deps.pool, coin);
  return [coin, checkAddress(miningCoin, r.params.address!)];
}

/** The coin whose shares mine `coin` (core/config/merged.ts roundsCoinOf): a merge-mined coin's parent, else itself. */
const sharesCoinOf = (coin: PublicCoin) => coin.mergedWith ?? coin.symbol;

/** The aux coins merge-mined with `coin`, in config order. */
const auxCoinsOf = (deps: ApiDeps, coin: PublicCoin) => deps.pool.coins.filter((c) => c.mergedWith === coin.symbol);

/**
 * The stats API, transport-agnostic: API Gateway events in AWS (lambdas/stats/handler.ts), node:http locally.
 * Bad input is a 400 with the reason, never a 500 (app/stats/http-errors.ts maps the pool's errors to statuses); a
 * known path asked with a method it lacks is a 405 with `Allow`; answers carry cache headers CloudFront can honour.
 */
export async function handleApi(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  try {
    const found = findRoute(ROUTES, req.method, pathParts(req.path));
    if (!found) throw new NotFoundError(`no API route ${req.path}`);
    if ('allow' in found) {
      // A known path with a method it does not take: 405 naming the methods it does (a write to a read-only path).
      const res = json(
        405,
        { error: `${req.method} is not allowed on ${req.path}: use ${found.allow.join(' or ')}` },
        0,
      );
      return { ...res, headers: { ...res.headers, allow: found.allow.join(', ') } };
    }
    // Awaited here, so that a route's errors reach the catch below instead of escaping as a 500.
    return await found.route.handler({ ...req, params: found.params }, deps);
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === undefined) throw err;
    return json(status, { error: (err as Error).message }, 0);
  }
}

function knownCoin(deps: ApiDeps, symbol: string): PublicCoin {
  const coin = deps.pool.coins.find((c) => c.symbol === symbol.toUpperCase());
  if (!coin)
    throw new BadRequestError(
      `unknown coin "${symbol.slice(0, 16)}"; this pool serves ${deps.pool.coins.map((c) => c.symbol).join(', ')}`,
    );
  return coin;
}

/**
 * The query parameters the API reads; CloudFront keys its cache on these alone (infra/stacks/api-stack.ts), so any
 * other parameter is ignored here and there. Each value has one spelling (`limit=50`, not `050` or `5e1`): every
 * answer has one cache key, and a new spelling cannot make the origin read storage again.
 */
export const STATS_QUERY_PARAMETERS = ['limit', 'hours'] as const;

function limitOf(q: URLSearchParams): number {
  const raw = q.get('limit');
  if (raw === null) return 50;
  const n = /^[1-9]\d{0,2}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n <= 500)) throw new BadRequestError('limit must be an integer from 1 to 500, in digits');
  return n;
}

const minuteOf = (ms: number) => Math.floor(ms / 60_000);

/** The pool hashrate history's range: 3 hours to 7 days (what the stats table keeps). */
const HISTORY_HOURS = [3, 24, 168] as const;

function hoursOf(q: URLSearchParams): number {
  const raw = q.get('hours') ?? '24';
  const n = HISTORY_HOURS.find((h) => String(h) === raw);
  if (n === undefined) {
    throw new BadRequestError(`hours must be one of ${HISTORY_HOURS.join(', ')}`);
  }
  return n;
}

/**
 * The pool's hashrate over the last `hours`, in points of 1 minute (3 h), 10 minutes (24 h) or 1 hour (7 days), so a
 * chart gets ~170–180 points whatever the range; each point is the hashrate over its whole interval.
 */
async function poolHistory(deps: ApiDeps, coin: PublicCoin, hours: number): Promise<PoolHistory> {
  const def = getCoin(sharesCoinOf(coin));
  const step = hours <= 3 ? 1 : hours <= 24 ? 10 : 60;
  const nowMinute = minuteOf(deps.now());
  const last = nowMinute - (nowMinute % step); // the current interval starts here
  const first = last - (Math.ceil((hours * 60) / step) - 1) * step;
  const buckets = await deps.poolStats.getPoolStats(sharesCoinOf(coin), first);
  const byInterval = new Map<number, MinuteBucket[]>();
  for (const b of buckets) {
    const start = b.minute - (b.minute % step);
    const interval = byInterval.get(start);
    if (interval) interval.push(b);
    else byInterval.set(start, [b]);
  }
  const points: HashratePoint[] = [];
  for (let start = first; start <= last; start += step) {
    // The current interval counts only its minutes so far, like the pool page's windows.
    const minutes = Math.min(step, nowMinute - start + 1);
    points.push({ minute: start, hashrate: hashrate(byInterval.get(start) ?? [], start + minutes - 1, minutes, def) });
  }
  return { coin: coin.symbol, hours, stepMinutes: step, points };
}

async function pools(deps: ApiDeps): Promise<Pools> {
  return { pool: deps.pool.name, coins: await Promise.all(deps.pool.coins.map((c) => poolDetail(deps, c))) };
}

async function poolDetail(deps: ApiDeps, coin: PublicCoin): Promise<PoolDetail> {
  const def = getCoin(coin.symbol);
  const now = deps.now();
  const nowMinute = minuteOf(now);
  // A merge-mined coin's hashrate, shares and miners online are its parent's: the same shares mine both. It has only
  // blocks and ledger tables (infra/stacks/aux-coin-stack.ts): no stratum server reports its chain, so that is null.
  const mining = sharesCoinOf(coin);
  const [buckets, all, total, live] = await Promise.all([
    deps.poolStats.getPoolStats(mining, nowMinute - WINDOWS['3h'] + 1),
    deps.money.listAllBlocks(coin.symbol),
    deps.poolStats.getPoolTotal(mining),
    deps.live?.get(mining),
  ]);
  const recent = await withEffort(deps, coin, newestFirst(all).slice(0, LUCK_BLOCKS));
  const efforts = recent.map((b) => b.effort).filter((e): e is number => e !== null);
  const online: Online | null = live
    ? { miners: live.miners, workers: live.workers, windowSeconds: Math.round(live.windowMs / 1000) }
    : null;
  // The job builds on the tip; explorers show difficulty without the stratum multiplier.
  const chain: Chain | null =
    live && mining === coin.symbol
      ? {
          height: live.jobHeight - 1,
          difficulty: live.networkDifficulty / def.stratumDiffMultiplier,
          updatedAt: live.at,
        }
      : null;
  return {
    coin: coin.symbol,
    network: coin.network,
    algorithm: def.algorithm,
    decimals: def.decimals,
    scheme: coin.scheme,
    feeBasisPoints: coin.feeBasisPoints,
    payoutMinimum: coin.payoutMinimum,
    mergedWith: coin.mergedWith ?? null,
    merges: auxCoinsOf(deps, coin).map((c) => c.symbol),
    ports: coin.ports,
    stratumHost: coin.stratumHost,
    hashrate: windows(buckets, nowMinute, getCoin(mining)),
    hashrateHistory: history(buckets, getCoin(mining)),
    sharesTotal: total,
    online,
    chain,
    blocksFound: all.length,
    lastBlock: recent[0] ?? null,
    effort: {
      '64': averageEffort(efforts, 64),
      '128': averageEffort(efforts, 128),
      '256': averageEffort(efforts, 256),
    },
  };
}

async function blocks(deps: ApiDeps, coin: PublicCoin, limit: number): Promise<Blocks> {
  const newest = newestFirst(await deps.money.listAllBlocks(coin.symbol)).slice(0, limit);
  return { coin: coin.symbol, blocks: await withEffort(deps, coin, newest) };
}

function newestFirst(list: MoneyBlock[]): MoneyBlock[] {
  return [...list].sort((a, b) => b.height - a.height || b.time - a.time);
}

/**
 * The API's view of blocks, with each round's effort (one round total read per block, not its worker sums). An aux
 * chain's block is paid from the parent's round of the share that found it (its `round`): its effort is that round's
 * shares over the aux chain's difficulty.
 */
function withEffort(deps: ApiDeps, coin: PublicCoin, list: MoneyBlock[]): Promise<Block[]> {
  return Promise.all(
    list.map(async (b) => {
      // A merge-mined coin has no rounds of its own: an aux block that names no parent round has no effort.
      const round = b.round ?? (coin.mergedWith === undefined ? { coin: coin.symbol, height: b.height } : undefined);
      const total = round ? await deps.rounds.getRoundTotal(round.coin, round.height) : { difficulty: 0 };
      return {
        height: b.height,
        hash: b.hash,
        status: b.status,
        confirmations: b.confirmations ?? 0,
        reward: (b.chainReward ?? BigInt(b.reward)).toString(),
        finder: b.miner,
        worker: b.worker,
        time: b.time,
        effort: total.difficulty > 0 ? effort(total.difficulty, b.networkDifficulty) : null,
        round: b.round ? { coin: b.round.coin, height: b.round.height } : null,
      };
    }),
  );
}

/** Payouts, newest first; failed ones moved no money and are left out. */
function newestSent(list: readonly PayoutRecord[]): PayoutRecord[] {
  return list.filter((p) => p.status !== 'failed').sort((a, b) => b.createdAt - a.createdAt);
}

async function payouts(deps: ApiDeps, coin: PublicCoin): Promise<PayoutRecord[]> {
  return newestSent(await deps.money.listPayouts(coin.symbol));
}

const paymentOf = (p: PayoutRecord) => ({
  id: p.id,
  status: p.status as Exclude<PayoutRecord['status'], 'failed'>,
  txid: p.txid ?? null,
  time: p.createdAt,
  total: p.total.toString(),
});

async function payments(deps: ApiDeps, coin: PublicCoin, limit: number): Promise<Payments> {
  const list = (await payouts(deps, coin)).slice(0, limit);
  return { coin: coin.symbol, payments: list.map((p) => ({ ...paymentOf(p), recipients: p.recipients.length })) };
}

/**
 * A miner's share of each payout that paid it, newest first. The miner's own ledger entries (one Query of its
 * partition, read for the balance anyway) name its payouts: a `reserve` entry per payout, a `release` when the payout
 * failed. Only those payout items are read, never the coin's whole payout history.
 */
async function minerPayments(
  deps: ApiDeps,
  coin: PublicCoin,
  address: string,
  entries: readonly LedgerEntry[],
  limit: number,
): Promise<MinerPayment[]> {
  const released = new Set(entries.filter((e) => e.kind === 'release').map((e) => e.ref));
  const reserved = entries
    .filter((e) => e.kind === 'reserve' && e.account === address && !released.has(e.ref))
    .sort((a, b) => b.time - a.time)
    .slice(0, limit);
  const amounts = new Map(reserved.map((e) => [e.ref, e.amount]));
  const records = await deps.money.getPayouts(coin.symbol, [...amounts.keys()]);
  return newestSent(records).map((p) => ({ ...paymentOf(p), amount: amounts.get(p.id)!.toString() }));
}

/** The account of a valid address (its canonical spelling: a legacy Bitcoin Cash 1… reads as bitcoincash:q…). */
function checkAddress(coin: PublicCoin, address: string): string {
  try {
    return validateAddress(getCoin(coin.symbol), coin.network, address);
  } catch (err) {
    if (err instanceof InvalidAddressError) throw new BadRequestError(err.message, { cause: err });
    throw err;
  }
}

/** A miner's rewards and payments as CSV or XLSX (newest first); `address` is the account `minerOf` checked. */
async function exportMiner(
  deps: ApiDeps,
  coin: PublicCoin,
  address: string,
  format: 'csv' | 'xlsx',
): Promise<ApiResponse> {
  const entries = await deps.money.listAccountEntries(coin.symbol, address);
  const paid = await minerPayments(deps, coin, address, entries, 500);
  const rows: ExportRow[] = [
    ...entries.filter(isReward).map((e) => ({
      time: e.time,
      type: 'reward' as const,
      reference: e.ref,
      amount: e.amount.toString(),
      status: e.kind,
      // An upstream payment's reference is its output `<txid>:<vout>`: the transaction that brought it.
      txid: e.kind === 'upstream' ? e.ref.slice(0, e.ref.lastIndexOf(':')) : '',
    })),
    ...paid.map((p) => ({
      time: p.time,
      type: 'payment' as const,
      reference: p.id,
      amount: p.amount,
      status: p.status,
      txid: p.txid ?? '',
    })),
  ].sort((a, b) => b.time - a.time);
  const name = `${coin.symbol}-${address}`;
  if (format === 'csv') {
    return {
      status: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}.csv"`,
        'cache-control': 'no-store',
      },
      body: toCsv(rows, coin.symbol),
    };
  }
  return {
    status: 200,
    headers: {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename="${name}.xlsx"`,
      'cache-control': 'no-store',
    },
    body: (await toXlsx(rows, coin.symbol, address)).toString('base64'),
    isBase64Encoded: true,
  };
}

/**
 * The entries a miner page and export list as rewards: a found block's credit (immature, its block hash), a PPS/PoT
 * round's (pps), and proxy mining's share of an upstream pool's payment (upstream, `<txid>:<vout>` of the payment).
 */
const REWARD_KINDS = ['immature', 'pps', 'upstream'] as const;
type RewardEntry = LedgerEntry & { kind: (typeof REWARD_KINDS)[number] };
const isReward = (e: LedgerEntry): e is RewardEntry => (REWARD_KINDS as readonly string[]).includes(e.kind);

/** How many of a miner's newest rewards and payout moves its page reads. */
const MINER_PAGE_ENTRIES = 200;

/** A miner's page; `address` is the account `minerOf` checked. */
export async function minerDetail(deps: ApiDeps, coin: PublicCoin, address: string): Promise<Miner> {
  const def = getCoin(sharesCoinOf(coin)); // the shares' coin: a merge-mined coin's are its parent's
  const now = deps.now();
  const nowMinute = minuteOf(now);
  // The balance is the stored counter and the lists the newest entries: a page reads the same however long the
  // miner has mined.
  // A merge-mined coin's page shows the parent's shares (they mine both) and the coin's own money.
  const [stats, entries, balance, merged, switching, referrals] = await Promise.all([
    deps.miners.getMinerStats(sharesCoinOf(coin), address, nowMinute - WINDOWS['3h'] + 1),
    deps.money.listRecentEntries(coin.symbol, address, [...REWARD_KINDS, 'reserve', 'release'], MINER_PAGE_ENTRIES),
    deps.money.getBalance(coin.symbol, address),
    Promise.all(auxCoinsOf(deps, coin).map((aux) => mergedSide(deps, aux, address))),
    switchingBreakdown(deps, coin.symbol, address),
    referralEarningsOf(deps.money, coin.symbol, address),
  ]);
  const paid = await minerPayments(deps, coin, address, entries, 100);
  const rewards = entries
    .filter(isReward)
    .sort((a, b) => b.time - a.time)
    .map((e) => ({ ref: e.ref, kind: e.kind, role: e.role, amount: e.amount.toString(), time: e.time }));
  return {
    coin: coin.symbol,
    address,
    hashrate: windows(stats.minutes, nowMinute, def),
    hashrateHistory: history(stats.minutes, def),
    shares: stats.total,
    workers: stats.workers
      .map((w) => ({
        name: w.worker || '(default)',
        hashrate: hashrate(w.minutes, nowMinute, WINDOWS['10m'], def),
        lastShareAt: w.lastShareAt,
        offline: isOffline(w.lastShareAt, now, deps.offlineAfterMs ?? OFFLINE_AFTER_MS),
        accepted: w.minutes.reduce((n, m) => n + m.shares, 0),
        stale: w.refused.stale,
        invalid: w.refused.invalid,
        duplicate: w.refused.duplicate,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    balance: balanceView(balance),
    rewards,
    payments: paid,
    merged,
    switching,
    referrals: { immature: referrals.immature.toString(), confirmed: referrals.confirmed.toString() },
  };
}

/** How many of a miner's newest aux payout moves its parent coin's page reads per aux coin. */
const MERGED_SIDE_ENTRIES = 40;

/** The miner's side of an aux coin on its parent coin's page: the aux address, balance and recent aux payouts. */
async function mergedSide(deps: ApiDeps, aux: PublicCoin, address: string): Promise<MergedSide> {
  const [set, balance, entries] = await Promise.all([
    deps.auxAddresses?.getAuxAddress(aux.symbol, address),
    deps.money.getBalance(aux.symbol, address),
    deps.money.listRecentEntries(aux.symbol, address, ['reserve', 'release'], MERGED_SIDE_ENTRIES),
  ]);
  return {
    coin: aux.symbol,
    address: auxAddressOf(set),
    balance: balanceView(balance),
    payments: await minerPayments(deps, aux, address, entries, 20),
  };
}

const balanceView = (b: Balance): Miner['balance'] => balanceStrings(b);

function windows(buckets: readonly MinuteBucket[], nowMinute: number, def: CoinDefinition): HashrateWindows {
  return {
    '10m': hashrate(buckets, nowMinute, WINDOWS['10m'], def),
    '3h': hashrate(buckets, nowMinute, WINDOWS['3h'], def),
  };
}

/** One point per minute that has shares, oldest first. */
function history(buckets: readonly MinuteBucket[], def: CoinDefinition): HashratePoint[] {
  return buckets.map((b) => ({ minute: b.minute, hashrate: hashrate([b], b.minute, 1, def) }));
}

function ok(body: unknown, maxAgeSeconds: number): ApiResponse {
  return json(200, body, maxAgeSeconds);
}

function json(status: number, body: unknown, maxAgeSeconds: number): ApiResponse {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      // CloudFront (and browsers) absorb load: stats change every few seconds, errors are not cached.
      'cache-control': maxAgeSeconds > 0 ? `public, max-age=${maxAgeSeconds}` : 'no-store',
    },
    body: JSON.stringify(jsonSafe(body)),
  };
}
