// Share-hashing throughput: the native addon against node:crypto, for sha256d and Litecoin scrypt on 80-byte headers.
// Run directly with `npx tsx bench/hashing.ts`; a bench runner imports benchHashing().
import { createHash, randomBytes, scryptSync } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { scrypt, scryptPair, sha256d } from '../fargate/src/hashing/index.js';

const HEADER_BYTES = 80;
const DEFAULT_SECONDS = 1.5;

function cryptoSha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

function cryptoScrypt(header: Uint8Array): Buffer {
  return scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 });
}

/** Hashes per second of `hash` over distinct headers for about `seconds` of wall time. */
export function hashRate(hash: (header: Uint8Array) => Buffer, seconds: number): number {
  // Vary the nonce bytes like a miner would, from a pool of headers prepared outside the timed loop.
  const headers = Array.from({ length: 256 }, () => randomBytes(HEADER_BYTES));
  for (let i = 0; i < 200; i++) hash(headers[i % headers.length]!);

  const budgetNs = BigInt(Math.round(seconds * 1e9));
  const start = process.hrtime.bigint();
  let count = 0;
  let elapsed = 0n;
  // Check the clock every batch rather than every hash so the timer does not dominate the cheap sha256d.
  const batch = 64;
  while (elapsed < budgetNs) {
    for (let i = 0; i < batch; i++) hash(headers[(count + i) & 255]!);
    count += batch;
    elapsed = process.hrtime.bigint() - start;
  }
  return count / (Number(elapsed) / 1e9);
}

/** Two headers per call (the share path pairs the scrypt checks of one event-loop turn): hashes, not calls, per second. */
export function scryptPairRate(seconds: number): number {
  let other = Buffer.alloc(HEADER_BYTES);
  // Each call hashes the given header and the previous one: twice the hashes of hashRate's count.
  return (
    2 *
    hashRate((header) => {
      const [a] = scryptPair(header, other);
      other = Buffer.from(header);
      return a;
    }, seconds)
  );
}

/** Throughput in hashes per second, keyed by implementation. */
export async function benchHashing(seconds = DEFAULT_SECONDS): Promise<Record<string, number>> {
  return {
    'sha256d native': hashRate(sha256d, seconds),
    'sha256d node:crypto': hashRate(cryptoSha256d, seconds),
    'scrypt native': hashRate(scrypt, seconds),
    'scrypt native, pairs': scryptPairRate(seconds),
    'scrypt node:crypto': hashRate(cryptoScrypt, seconds),
  };
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (runDirectly) {
  const results = await benchHashing();
  for (const [name, rate] of Object.entries(results)) {
    console.log(`${name.padEnd(20)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} hashes/s`);
  }
}
