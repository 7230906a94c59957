import { getCoin, validateAddress } from '../../core/coins/index.js';
import { InvalidAddressError } from '../../core/errors.js';
import { jsonSafe } from '../../core/json.js';
import { balancesFromEntries, zeroBalance } from '../../core/ledger/ledger.js';
import type { MoneyStore } from '../../core/ports/money-store.js';
import type { ShareStore } from '../../core/ports/share-store.js';
import { averageEffort, effort, hashrate, isOffline } from '../../core/stats/hashrate.js';
import { type ExportRow, toCsv, toXlsx } from './export.js';

/** What the API tells the world about a coin (no daemon credentials, no wallets). */
export interface PublicCoin {
  symbol: string;
  network: 'mainnet' | 'testnet' | 'regtest';
  scheme: string | null;
  feeBasisPoints: number | null;
  payoutMinimum: string | null;
  ports: Array<{ port: number; tls: boolean; difficulty: { initial: number; min: number; max: number } }>;
}

export interface ApiDeps {
  pool: { name: string; coins: PublicCoin[] };
  shares: ShareStore;
  money: MoneyStore;
  now: () => number;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
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
const LUCK_WINDOWS = [64, 128, 256] as const;

class BadRequest extends Error {}
class NotFound extends Error {}

/**
 * The stats API, transport-agnostic: API Gateway events in AWS (lambdas/stats/handler.ts), node:http locally.
 * Bad input is a 400 with the reason, never a 500; answers carry cache headers CloudFront can honour.
 */
export async function handleApi(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  try {
    if (req.method !== 'GET') throw new BadRequest('the API is read-only: use GET');
    const parts = req.path
      .replace(/^\/api\/?/, '')
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    if (parts.length === 1 && parts[0] === 'pools') return ok(await pools(deps), 10);
    if (parts[0] === 'pools' && parts[1]) {
      const coin = knownCoin(deps, parts[1]);
      if (parts.length === 2) return ok(await poolDetail(deps, coin), 10);
      if (parts[2] === 'blocks' && parts.length === 3) return ok(await blocks(deps, coin, limitOf(req.query)), 30);
      if (parts[2] === 'payments' && parts.length === 3)
        return ok(await payments(deps, coin, undefined, limitOf(req.query)), 30);
      if (parts[2] === 'miners' && parts[3] && parts.length === 4)
        return ok(await minerDetail(deps, coin, parts[3]), 10);
      const exp =
        parts[2] === 'miners' && parts[3] && parts.length === 5 ? /^export\.(csv|xlsx)$/.exec(parts[4]!) : null;
      if (exp) return exportMiner(deps, coin, parts[3]!, exp[1] as 'csv' | 'xlsx');
    }
    throw new NotFound(`no API route ${req.path}`);
  } catch (err) {
    if (err instanceof BadRequest) return json(400, { error: err.message }, 0);
    if (err instanceof NotFound) return json(404, { error: err.message }, 0);
    throw err;
  }
}

function knownCoin(deps: ApiDeps, symbol: string): PublicCoin {
  const coin = deps.pool.coins.find((c) => c.symbol === symbol.toUpperCase());
  if (!coin)
    throw new BadRequest(
      `unknown coin "${symbol.slice(0, 16)}"; this pool serves ${deps.pool.coins.map((c) => c.symbol).join(', ')}`,
    );
  return coin;
}

function limitOf(q: URLSearchParams): number {
  const raw = q.get('limit');
  if (raw === null) return 50;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new BadRequest('limit must be an integer from 1 to 500');
  return n;
}

const minuteOf = (ms: number) => Math.floor(ms / 60_000);

async function pools(deps: ApiDeps) {
  return { pool: deps.pool.name, coins: await Promise.all(deps.pool.coins.map((c) => poolDetail(deps, c))) };
}

async function poolDetail(deps: ApiDeps, coin: PublicCoin) {
  const def = getCoin(coin.symbol);
  const now = deps.now();
  const nowMinute = minuteOf(now);
  const [buckets, recent, total] = await Promise.all([
    deps.shares.getPoolStats(coin.symbol, nowMinute - WINDOWS['3h'] + 1),
    blocks(deps, coin, Math.max(...LUCK_WINDOWS)),
    deps.shares.getPoolTotal(coin.symbol),
  ]);
  const efforts = recent.blocks.map((b) => b.effort).filter((e): e is number => e !== null);
  return {
    coin: coin.symbol,
    network: coin.network,
    scheme: coin.scheme,
    feeBasisPoints: coin.feeBasisPoints,
    payoutMinimum: coin.payoutMinimum,
    ports: coin.ports,
    hashrate: Object.fromEntries(Object.entries(WINDOWS).map(([k, m]) => [k, hashrate(buckets, nowMinute, m, def)])),
    hashrateHistory: buckets.map((b) => ({ minute: b.minute, hashrate: hashrate([b], b.minute, 1, def) })),
    sharesTotal: total,
    blocksFound: recent.blocks.length,
    lastBlock: recent.blocks[0] ?? null,
    effort: Object.fromEntries(LUCK_WINDOWS.map((n) => [String(n), averageEffort(efforts, n)])),
  };
}

async function blocks(deps: ApiDeps, coin: PublicCoin, limit: number) {
  const list = await deps.money.listAllBlocks(coin.symbol);
  const newest = list.sort((a, b) => b.height - a.height).slice(0, limit);
  const withEffort = await Promise.all(
    newest.map(async (b) => {
      const round = await deps.shares.getRoundShares(coin.symbol, b.height);
      return {
        height: b.height,
        hash: b.hash,
        status: b.status,
        confirmations: b.confirmations ?? 0,
        reward: (b.chainReward ?? BigInt(b.reward)).toString(),
        finder: b.miner,
        worker: b.worker,
        time: b.time,
        effort: round.total.difficulty > 0 ? effort(round.total.difficulty, b.networkDifficulty) : null,
      };
    }),
  );
  return { coin: coin.symbol, blocks: withEffort };
}

async function payments(deps: ApiDeps, coin: PublicCoin, address: string | undefined, limit: number) {
  const list = (await deps.money.listPayouts(coin.symbol))
    .filter((p) => p.status !== 'failed')
    .filter((p) => !address || p.recipients.some((r) => r.account === address))
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, limit);
  return {
    coin: coin.symbol,
    payments: list.map((p) => ({
      id: p.id,
      status: p.status,
      txid: p.txid ?? null,
      time: p.createdAt,
      total: p.total.toString(),
      recipients: address ? undefined : p.recipients.length,
      amount: address ? p.recipients.find((r) => r.account === address)!.amount.toString() : undefined,
    })),
  };
}

function checkAddress(coin: PublicCoin, address: string): void {
  try {
    validateAddress(getCoin(coin.symbol), coin.network, address);
  } catch (err) {
    if (err instanceof InvalidAddressError) throw new BadRequest(err.message);
    throw err;
  }
}

/** A miner's rewards and payments as CSV or XLSX (newest first). */
async function exportMiner(
  deps: ApiDeps,
  coin: PublicCoin,
  address: string,
  format: 'csv' | 'xlsx',
): Promise<ApiResponse> {
  checkAddress(coin, address);
  const [entries, paid] = await Promise.all([
    deps.money.listAccountEntries(coin.symbol, address),
    payments(deps, coin, address, 500),
  ]);
  const rows: ExportRow[] = [
    ...entries
      .filter((e) => e.kind === 'immature' || e.kind === 'pps')
      .map((e) => ({
        time: e.time,
        type: 'reward' as const,
        reference: e.ref,
        amount: e.amount.toString(),
        status: e.kind,
        txid: '',
      })),
    ...paid.payments.map((p) => ({
      time: p.time,
      type: 'payment' as const,
      reference: p.id,
      amount: p.amount!,
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

async function minerDetail(deps: ApiDeps, coin: PublicCoin, address: string) {
  const def = getCoin(coin.symbol);
  checkAddress(coin, address);
  const now = deps.now();
  const nowMinute = minuteOf(now);
  const [stats, entries, paid] = await Promise.all([
    deps.shares.getMinerStats(coin.symbol, address, nowMinute - WINDOWS['3h'] + 1),
    deps.money.listAccountEntries(coin.symbol, address),
    payments(deps, coin, address, 100),
  ]);
  const balance = balancesFromEntries(entries).get(address) ?? zeroBalance();
  const rewards = entries
    .filter((e) => e.kind === 'immature' || e.kind === 'pps')
    .sort((a, b) => b.time - a.time)
    .map((e) => ({ ref: e.ref, kind: e.kind, role: e.role, amount: e.amount.toString(), time: e.time }));
  return jsonSafe({
    coin: coin.symbol,
    address,
    hashrate: Object.fromEntries(
      Object.entries(WINDOWS).map(([k, m]) => [k, hashrate(stats.minutes, nowMinute, m, def)]),
    ),
    hashrateHistory: stats.minutes.map((b) => ({ minute: b.minute, hashrate: hashrate([b], b.minute, 1, def) })),
    shares: stats.total,
    workers: stats.workers
      .map((w) => ({
        name: w.worker || '(default)',
        hashrate: hashrate(w.minutes, nowMinute, WINDOWS['10m'], def),
        lastShareAt: w.lastShareAt,
        offline: isOffline(w.lastShareAt, now),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    balance,
    rewards,
    payments: paid.payments,
  });
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
