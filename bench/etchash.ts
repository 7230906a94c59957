// Etchash on one core: cache builds and light share checks (what the pool does), and, with BENCH_ETCHASH_DAG=1, the
// epoch-0 full dataset a test miner hashes with (1 GiB, both cores for a minute or more). Run directly with
// `npx tsx bench/etchash.ts`; the bench runner imports benchEtchash().
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { ETC_CHAINS } from '../core/coins/ethash-chains.js';
import {
  buildEtchashCache,
  type EtchashCache,
  etchashEpoch,
  hashimotoFull,
  hashimotoLight,
} from '../fargate/src/hashing/etchash.js';
import { buildEtchashDataset } from '../fargate/src/hashing/etchash-dataset.js';
import { loadHashingAddon } from '../fargate/src/hashing/load-addon.js';
import { fmt, goal, heading, info } from './harness.js';

/** A mainnet height of late 2026 (etchash E ≈ 383, a 67 MB cache): where the share check's cache misses are today. */
const TODAY_BLOCK = 23_000_000;

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await run();
  return [value, (performance.now() - start) / 1000];
}

/** Calls of `hash(nonce)` per second for about `seconds`, nonces counting up. */
function rate(hash: (nonce: bigint) => unknown, seconds: number): number {
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 16; i++) hash(BigInt(count + i));
    count += 16;
  }
  return count / ((performance.now() - start) / 1000);
}

export interface EtchashFigures {
  cacheSeconds: { epoch0: number; today: number };
  lightChecksPerSecond: number;
  /** The same with shares checked four at a time in lockstep (ethashHashimotoLightBatch). */
  batchChecksPerSecond: number;
  /** The same at epoch 0 (a 17 MB cache that fits this machine's L3), for comparison with the reference's C figures. */
  epoch0ChecksPerSecond: number;
  dataset?: { buildSeconds: number; parallel: number; fullHashesPerSecond: number };
}

export async function measureEtchash(o: { seconds?: number; dag?: boolean } = {}): Promise<EtchashFigures> {
  const seconds = o.seconds ?? 2;
  const [epoch0, epoch0Seconds] = await timed(() => buildEtchashCache(etchashEpoch(0, 0)));
  const [today, todaySeconds] = await timed(() =>
    buildEtchashCache(etchashEpoch(TODAY_BLOCK, ETC_CHAINS.mainnet.ecip1099Block)),
  );
  const header = randomBytes(32);
  const lightChecksPerSecond = rate((nonce) => hashimotoLight(today, header, nonce), seconds);
  const epoch0ChecksPerSecond = rate((nonce) => hashimotoLight(epoch0, header, nonce), seconds);
  const addon = loadHashingAddon();
  const headers = Buffer.concat([header, header, header, header]);
  const nonces = Buffer.alloc(32);
  const out = Buffer.alloc(256);
  const batchChecksPerSecond =
    4 *
    rate((nonce) => {
      for (let i = 0; i < 4; i++) nonces.writeBigUInt64LE(4n * nonce + BigInt(i), 8 * i);
      addon.ethashHashimotoLightBatch(today.bytes, today.epoch.datasetBytes, headers, nonces, out);
    }, seconds);
  const figures: EtchashFigures = {
    cacheSeconds: { epoch0: epoch0Seconds, today: todaySeconds },
    lightChecksPerSecond,
    batchChecksPerSecond,
    epoch0ChecksPerSecond,
  };
  if (o.dag) figures.dataset = await measureDataset(epoch0, header, seconds);
  return figures;
}

async function measureDataset(cache: EtchashCache, header: Buffer, seconds: number) {
  const parallel = 2;
  const [dataset, buildSeconds] = await timed(() => buildEtchashDataset(cache, { parallel }));
  const { datasetBytes } = cache.epoch;
  const fullHashesPerSecond = rate((nonce) => hashimotoFull(dataset, datasetBytes, header, nonce), seconds);
  return { buildSeconds, parallel, fullHashesPerSecond };
}

export async function benchEtchash(): Promise<void> {
  heading('Etchash (one core; the reference gives C at 0.6 s / 1.2 s per cache and 0.8–1.2 ms per light hash)');
  const f = await measureEtchash({ dag: process.env.BENCH_ETCHASH_DAG === '1' });
  info('cache build, epoch 0 (16.8 MB)', `${fmt(f.cacheSeconds.epoch0)} s`);
  goal({
    label: `cache build, block ${TODAY_BLOCK.toLocaleString('en-US')} (E 383)`,
    measured: f.cacheSeconds.today,
    unit: 's',
    better: 'lower',
    target: 2,
    whyMissed: 'a busy machine (the build is one thread of C)',
  });
  goal({
    label: 'light share checks / s (E 383)',
    measured: f.lightChecksPerSecond,
    unit: 'checks/s',
    better: 'higher',
    target: 1000,
    whyMissed: 'cache misses: 32,768 dependent row loads a check',
  });
  info('light share checks / s (E 383), four in lockstep', `${fmt(f.batchChecksPerSecond)} checks/s`);
  info('light share checks / s (epoch 0)', `${fmt(f.epoch0ChecksPerSecond)} checks/s`);
  if (f.dataset) {
    info(`epoch-0 dataset build, ${f.dataset.parallel} threads (1 GiB)`, `${fmt(f.dataset.buildSeconds)} s`);
    info('full-dataset hashes / s (epoch 0)', `${fmt(f.dataset.fullHashesPerSecond)} hashes/s`);
  } else {
    info('epoch-0 dataset build', 'skipped (BENCH_ETCHASH_DAG=1 to run it: 1 GiB, a minute or more)');
  }
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) await benchEtchash();
