import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchConnections } from './connections.js';
import { benchEtcWork } from './etc-work.js';
import { benchEtchash } from './etchash.js';
import { benchFanout } from './fanout.js';
import { benchFramer } from './framer.js';
import { fmt, heading, info, machineHeader } from './harness.js';
import { benchHashing, benchScryptKernels } from './hashing.js';
import { benchInstructions } from './instructions.js';
import { benchLedger } from './ledger.js';
import { benchPipeline } from './pipeline.js';
import { benchSubmit } from './submit.js';
import { benchThroughput } from './throughput.js';

/**
 * `npm run bench [-- <section>...]`: prints figures next to their goals, asserts nothing. Loopback only; every
 * section is bounded in count and time. Without arguments every section runs, each in a fresh process so that one
 * section's heap and sockets do not weigh on the next one's figures.
 */
const SECTIONS: Record<string, () => Promise<void>> = {
  hashing: async () => {
    heading('0. Native hashing (one core): the physical limit of share validation');
    for (const [name, rate] of Object.entries(await benchHashing())) info(name, `${fmt(rate)} hashes/s`);
    await benchScryptKernels();
  },
  etchash: () => benchEtchash(),
  'etc-work': () => benchEtcWork(),
  throughput: () => benchThroughput(),
  instructions: async () => {
    await benchInstructions();
  },
  connections: () => benchConnections(),
  fanout: () => benchFanout(),
  submit: () => benchSubmit(),
  pipeline: () => benchPipeline(),
  ledger: () => benchLedger(),
  framer: async () => {
    heading('Stratum line framing on a slow trickle (linear in the bytes, whatever the chunking)');
    for (const [name, ms] of Object.entries(benchFramer())) info(name, ms.toFixed(2));
  },
};

const asked = process.argv.slice(2);
const unknown = asked.filter((s) => !(s in SECTIONS));
if (unknown.length > 0) {
  console.error(`unknown section(s) ${unknown.join(', ')}; choose from: ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}

if (asked.length === 1) {
  await SECTIONS[asked[0]!]!();
} else {
  console.log('edgepool benchmarks');
  for (const line of machineHeader()) console.log(`  ${line}`);
  const script = fileURLToPath(import.meta.url);
  for (const section of asked.length > 0 ? asked : Object.keys(SECTIONS)) {
    const run = spawnSync(process.execPath, [...process.execArgv, script, section], { stdio: 'inherit' });
    if (run.status !== 0) console.log(`  (section ${section} failed with status ${run.status})`);
  }
}
