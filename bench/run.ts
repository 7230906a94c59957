import { benchHashing } from './hashing.js';

/**
 * `npm run bench`: prints figures, asserts nothing. Runs on loopback only and stops by itself.
 * Issue 6 adds the stratum load generator (share throughput, connections, fan-out, submit latency, pipeline cost).
 */
const machine = `${process.platform}/${process.arch}, node ${process.version}`;
console.log(`edgepool benchmarks on ${machine}\n`);
console.log('Native hashing (one core): the physical limit of share validation');
for (const [name, rate] of Object.entries(await benchHashing())) {
  console.log(`  ${name.padEnd(22)} ${Math.round(rate).toLocaleString('en-US').padStart(12)} hashes/s`);
}
