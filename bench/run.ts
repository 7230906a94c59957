import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Kernel } from '../fargate/src/hashing/index.js';
import { benchConnections } from './connections.js';
import { benchEtcWork } from './etc-work.js';
import { benchEtchash } from './etchash.js';
import { benchFanout } from './fanout.js';
import { benchFramer } from './framer.js';
import { fmt, heading, info, machineHeader, record } from './harness.js';
import { benchHashing, benchScryptKernels } from './hashing.js';
import { benchInstructions } from './instructions.js';
import { benchLedger } from './ledger.js';
import { benchPipeline } from './pipeline.js';
import { benchSubmit } from './submit.js';
import { parseFigures, summaryLines } from './summary.js';
import { benchThroughput } from './throughput.js';

/**
 * `npm run bench [-- <section>...]`: prints figures next to their goals, asserts nothing. Loopback only; every
 * section is bounded in count and time. Without arguments every section runs, each in a fresh process so that one
 * section's heap and sockets do not weigh on the next one's figures.
 */
const SECTIONS: Record<string, () => Promise<void>> = {
  hashing: async () => {
    heading('0. Native hashing (one core): the physical limit of share validation');
    const rates = await benchHashing();
    for (const [name, rate] of Object.entries(rates)) info(name, `${fmt(rate)} hashes/s`);
    const sha256 = rates['sha256d native'];
    if (sha256 !== undefined) {
      record({ key: 'hashing.sha256d', measured: sha256, unit: 'hashes/s', note: `${sha256Kernel()} kernel` });
    }
    await benchScryptKernels();
  },
  etchash: () => benchEtchash(),
  'etc-work': () => benchEtcWork(),
  throughput: () => benchThroughput(),
  instructions: async () => {
    const r = await benchInstructions();
    if (r) {
      const note = `${r.kernel} SHA-256 under valgrind`;
      record({ key: 'instructions.sha256d', measured: r.perShare, unit: 'instructions/share', note });
      record({ key: 'instructions.sha256d.own', measured: r.perSharePart.rest, unit: 'instructions' });
    }
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

/**
 * Sections a run without arguments leaves out, with why: each runs when named. `ledger` writes a ledger of 1,000,000
 * entries through dynalite (~20 minutes here) to show that money reads do not grow with it.
 */
const LONG: Record<string, string> = {
  ledger: 'writes 1,000,000 ledger entries through dynalite, ~20 minutes: `npm run bench -- ledger`',
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
  const header = machineHeader();
  for (const line of header) console.log(`  ${line}`);
  const script = fileURLToPath(import.meta.url);
  // Each section records its figures as JSON lines in this file; the summary table reads them at the end.
  const dir = mkdtempSync(join(tmpdir(), 'bench-figures-'));
  const file = join(dir, 'figures.jsonl');
  const env = { ...process.env, BENCH_FIGURES_FILE: file };
  const sections = asked.length > 0 ? asked : Object.keys(SECTIONS).filter((s) => !(s in LONG));
  if (asked.length === 0) {
    for (const [section, why] of Object.entries(LONG)) console.log(`  left out: ${section} (${why})`);
  }
  try {
    for (const section of sections) {
      const run = spawnSync(process.execPath, [...process.execArgv, script, section], { stdio: 'inherit', env });
      if (run.status !== 0) console.log(`  (section ${section} failed with status ${run.status})`);
    }
    let lines = '';
    try {
      lines = readFileSync(file, 'utf8');
    } catch {
      // No section recorded anything (all failed, or none has summary figures).
    }
    heading('Summary: every figure against its goal and, for the share path, against the hash limit of this run');
    for (const line of header) console.log(`  ${line}`);
    for (const line of summaryLines(parseFigures(lines))) console.log(`  ${line}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
