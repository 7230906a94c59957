import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../adapters/aws/dynamo-money-store.js';
import { createDynamoShareStores } from '../adapters/aws/dynamo-share-store.js';
import { ensureTables, tableNames } from '../adapters/aws/tables.js';
import { BitcoinChainReader, type BlockDaemon } from '../adapters/rpc/bitcoin-chain-reader.js';
import { confirmBlocks } from '../app/confirm/confirm.js';
import { runPayouts } from '../app/payouts/payouts.js';
import { getCoin } from '../core/coins/index.js';
import { blockEntries } from '../core/ledger/ledger.js';
import type { RoundShareReader } from '../core/ports/share-store.js';
import { rewardsConfigSchema } from '../core/rewards/config.js';
import { heading, info } from './harness.js';

/**
 * Accounts credited by every block: the ledger grows by history (blocks), not by miners. Few enough that at the
 * smallest size the page's miner has a full page of entries (200 of the kinds it shows), so both sizes read a page.
 */
const ACCOUNTS = 20;
/** Blocks written at once: a pool's passes write many miners' entries in parallel (putEntries by account). */
const BLOCKS_IN_FLIGHT = 8;
const silent = { info() {}, warn() {}, error() {} };

/**
 * Money reads against history: a ledger of `size` entries written by the store's own write path (putEntries of each
 * block's immature and mature credits to ACCOUNTS miners, blocks recorded by ingest's putBlock and confirmed), then
 * one payout pass (open payouts, balances), one confirmation pass (a new block found: unsettled blocks, previous
 * block, rounds, split, immature credits) and one miner page read (balance and newest entries), each timed (median)
 * with the requests it sends and the items they read. Sizes from LEDGER_BENCH_SIZES (default 10000,1000000).
 */
export async function benchLedger(): Promise<void> {
  const sizes = (process.env.LEDGER_BENCH_SIZES ?? '10000,1000000').split(',').map(Number);
  heading(`Money reads against ledger size (${ACCOUNTS} accounts, dynalite in its own process)`);
  const times: Array<{ size: number } & Record<'payout' | 'confirm' | 'page', { ms: number }>> = [];
  for (const size of sizes) {
    // dynalite in its own process: the bench's writes and dynalite's work then use both cores.
    const server = await startDynaliteProcess();
    try {
      const client = new DynamoDBClient({
        endpoint: server.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const doc = createDocumentClient(client);
      const reads = countReads(doc);
      await ensureTables(client, 'bench', 'LTC');
      const names = tableNames('bench', 'LTC');
      const money = new DynamoMoneyStore(doc, () => names);
      const shares = createDynamoShareStores({ doc, tables: () => names });
      const blocks = Math.ceil(size / (2 * ACCOUNTS));
      const credits = Array.from({ length: ACCOUNTS }, (_, i) => ({
        account: `m${i}`,
        role: 'miner' as const,
        amount: 1_000n + BigInt(i),
      }));
      const written = performance.now();
      let next = 1;
      await Promise.all(
        Array.from({ length: BLOCKS_IN_FLIGHT }, async () => {
          for (let h = next++; h <= blocks; h = next++) {
            const block = foundBlock(h);
            await shares.ingest.putBlock('LTC', block);
            await money.putEntries('LTC', blockEntries('immature', block.hash, credits, h));
            await money.putEntries('LTC', blockEntries('mature', block.hash, credits, h));
            await money.setBlockStatus(
              'LTC',
              { ...block, coin: 'LTC', status: 'pending' },
              'pending',
              'confirmed',
              100,
            );
          }
        }),
      );
      const writeSeconds = (performance.now() - written) / 1000;
      info(
        `${size} entries written`,
        `${writeSeconds.toFixed(0)} s (${((blocks * 2 * ACCOUNTS) / writeSeconds).toFixed(0)} entries/s)`,
      );

      const payout = await timed(reads, () =>
        runPayouts(
          {
            coin: 'LTC',
            policy: { minimum: 1n, maxRecipients: 50 },
            money,
            sender: { spendable: async () => 10n ** 18n } as never,
            log: silent,
            now: Date.now,
          },
          { dryRun: true },
        ),
      );
      const fresh = foundBlock(blocks + 1);
      await shares.ingest.putBlock('LTC', fresh);
      const rounds = {
        getRoundsBetween: async (_: string, from: number, to: number) =>
          from <= fresh.height && fresh.height <= to
            ? [{ height: fresh.height, miners: credits.map((c) => ({ miner: c.account, difficulty: 1 })) }]
            : [],
      } as unknown as RoundShareReader;
      const daemon = {
        getBlockCount: async () => fresh.height + 1,
        getBlock: async () => ({
          confirmations: 2,
          tx: [{ vout: [{ value: 12.5, scriptPubKey: { address: 'pool' } }] }],
        }),
      } as unknown as BlockDaemon;
      const chain = new BitcoinChainReader(daemon, 'pool', 8);
      const confirm = await timed(reads, () =>
        confirmBlocks({
          coin: getCoin('LTC'),
          rewards: rewardsConfigSchema.parse({ scheme: 'PROP', feeWallets: [{ address: 'fee' }] }),
          shares: rounds,
          money,
          chain,
          log: silent,
          now: Date.now,
        }),
      );
      const page = await timed(reads, () =>
        Promise.all([
          money.getBalance('LTC', 'm7'),
          money.listRecentEntries('LTC', 'm7', ['immature', 'pps', 'reserve', 'release'], 200),
        ]),
      );
      times.push({ size, payout, confirm, page });
      for (const [name, t] of [
        ['payout pass', payout],
        ['confirmation pass', confirm],
        ['miner page', page],
      ] as const)
        info(`${size}: ${name}`, `${t.ms.toFixed(1)} ms (${t.requests} requests, ${t.items} items read)`);
      client.destroy();
    } finally {
      await server.close();
    }
  }
  const [small, large] = [times[0], times.at(-1)];
  if (small && large && small !== large) {
    for (const k of ['payout', 'confirm', 'page'] as const)
      info(`ratio ${large.size}/${small.size}: ${k}`, (large[k].ms / small[k].ms).toFixed(2));
  }
}

/** dynalite in a child process on loopback (the same server startDynalite runs in process). */
async function startDynaliteProcess(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const script = `require('dynalite')({ createTableMs: 0 }).listen(0, '127.0.0.1', function () {
    process.stdout.write(String(this.address().port) + '\\n');
  });`;
  const child = spawn(process.execPath, ['--max-old-space-size=8192', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      child.kill();
    },
  };
}

function foundBlock(height: number) {
  return {
    height,
    hash: height.toString(16).padStart(64, '0'),
    reward: '1250000000',
    networkDifficulty: 1,
    submitResult: 'accepted',
    miner: 'm0',
    worker: '',
    shareDifficulty: 1,
    actualDifficulty: 1,
    time: height,
  };
}

/** Runs of each read: the median is reported (a GC pause of dynalite's large heap would skew a best or a mean). */
const RUNS = 15;

/**
 * The median of RUNS runs (ms), after one run that warms the connection and the JIT, and what DynamoDB would bill for
 * one run: requests and items read (Query/Scan ScannedCount, GetItem's item, BatchGet's items).
 */
async function timed(
  reads: ReadCounter,
  fn: () => Promise<unknown>,
): Promise<{ ms: number; requests: number; items: number }> {
  await fn();
  reads.requests = 0;
  reads.items = 0;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  const per = { requests: reads.requests / RUNS, items: reads.items / RUNS };
  return { ms: times.sort((a, b) => a - b)[RUNS >> 1]!, ...per };
}

interface ReadCounter {
  requests: number;
  items: number;
}

/** Counts the requests a document client sends and the items they read. */
function countReads(doc: DynamoDBDocumentClient): ReadCounter {
  const reads = { requests: 0, items: 0 };
  const send = doc.send.bind(doc) as (command: unknown) => Promise<Record<string, unknown>>;
  (doc as { send: unknown }).send = async (command: unknown) => {
    const out = await send(command);
    reads.requests++;
    const batch = out.Responses as Record<string, unknown[]> | undefined;
    reads.items +=
      typeof out.ScannedCount === 'number'
        ? out.ScannedCount
        : batch
          ? Object.values(batch).flat().length
          : out.Item
            ? 1
            : 0;
    return out;
  };
  return reads;
}
