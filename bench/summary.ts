// The one table a full `npm run bench` ends with: every figure of docs/performance.md's table, its goal, PASS/MISS
// and by how much, and for the share path its ratio to the hash limit measured in the same run. The sections record
// their figures (harness.ts `record`, or `goal` with a `key`); this file only looks them up and lays them out.
import { type Figure, fmt, missFactor } from './harness.js';

/** A figure's key in the records, and how the summary shows it when its section did not run. */
interface Row {
  /** The figure's name, as in docs/performance.md's table. */
  label: string;
  key: string;
  /** What to show against the hash limit (share-path figures) or beside the figure; '' for nothing. */
  limit?: (f: Figures) => string;
}

/** The figures of one run by key (the last one recorded wins: a section run twice reports its latest). */
export type Figures = ReadonlyMap<string, Figure>;

const value = (f: Figures, key: string): number | undefined => f.get(key)?.measured;

/** `a ÷ b` as a percentage with both figures, or why it cannot be given. */
function ratio(f: Figures, measured: string, limit: string, what: string): string {
  const a = value(f, measured);
  const b = value(f, limit);
  if (a === undefined || b === undefined || b === 0) return `${what}: not measured in this run`;
  return `${fmt((a / b) * 100, 1)} % of ${what} (${fmt(b)}/s)`;
}

/** A figure printed as `label value unit`, or nothing when it was not recorded. */
function beside(f: Figures, key: string, label: string, digits = 2): string {
  const r = f.get(key);
  return r === undefined ? '' : `${label} ${fmt(r.measured, digits)} ${r.unit}`.trim();
}

const join = (...parts: string[]) => parts.filter((p) => p !== '').join('; ');

/** The µs one hash takes at `key`'s rate: what a share's latency owes to the hash itself. */
function hashMicros(f: Figures, key: string, what: string): string {
  const rate = value(f, key);
  return rate ? `one ${what} hash ${fmt(1e6 / rate)} µs` : '';
}

export const SUMMARY_ROWS: readonly Row[] = [
  { label: 'native sha256d, one core', key: 'hashing.sha256d' },
  {
    label: 'native scrypt, one core (kernel in use)',
    key: 'hashing.scrypt',
    limit: (f) => beside(f, 'hashing.cpuminer', 'cpuminer'),
  },
  {
    label: 'sha256d shares/s, one server process',
    key: 'throughput.sha256d',
    limit: (f) =>
      join(
        ratio(f, 'throughput.sha256d', 'throughput.sha256d.native', 'native sha256d'),
        beside(f, 'throughput.sha256d.perCpuSecond', 'per server CPU-s'),
        beside(f, 'throughput.sha256d.userMicros', 'user CPU a share', 2),
        beside(f, 'instructions.sha256d', 'callgrind', 0),
        beside(f, 'instructions.sha256d.own', 'of it the share path', 0),
        beside(f, 'machine.syscallNs', 'a system call here', 0),
      ),
  },
  {
    label: 'scrypt shares/s, one server process',
    key: 'throughput.scrypt',
    limit: (f) =>
      join(
        ratio(f, 'throughput.scrypt', 'throughput.scrypt.native', 'the scrypt lanes'),
        beside(f, 'throughput.scrypt.perCpuSecond', 'per server CPU-s'),
      ),
  },
  {
    label: 'sha256d ack p99, open loop at half the max',
    key: 'throughput.sha256d.ackP99',
    limit: (f) =>
      join(
        hashMicros(f, 'throughput.sha256d.native', 'sha256d'),
        beside(f, 'throughput.sha256d.openLoopMicros', 'server CPU a share'),
      ),
  },
  {
    label: 'scrypt ack p99, open loop at half the max',
    key: 'throughput.scrypt.ackP99',
    limit: (f) =>
      join(
        hashMicros(f, 'throughput.scrypt.native', 'scrypt (in lanes)'),
        beside(f, 'throughput.scrypt.openLoopMicros', 'server CPU a share'),
      ),
  },
  {
    label: 'sha256d ack p99, ackAfter journal',
    key: 'throughput.sha256d.journalP99',
    limit: (f) => beside(f, 'throughput.sha256d.journalMicros', 'server CPU a share'),
  },
  {
    label: 'one connection, pipelined submits',
    key: 'throughput.oneConnection',
    limit: (f) => ratio(f, 'throughput.oneConnection', 'throughput.sha256d.native', 'native sha256d'),
  },
  {
    label: 'idle connections, one process',
    key: 'connections.held',
    limit: (f) =>
      join(beside(f, 'connections.openFiles', 'ulimit -n', 0), beside(f, 'connections.openFilesHard', 'hard', 0)),
  },
  {
    // At the count this machine opened (the note says how many); the slope and the 100k figure come from two counts.
    label: 'RSS per idle connection, at the count measured',
    key: 'connections.rss',
    limit: (f) => beside(f, 'connections.heap', 'JS heap'),
  },
  {
    label: 'RSS per idle connection, slope of the fit',
    key: 'connections.rssSlope',
  },
  {
    label: 'RSS per idle connection at 100k (by the fit)',
    key: 'connections.rss100k',
  },
  {
    label: 'fan-out to 100k, 4 processes (from CPU)',
    key: 'fanout.100k.4',
    limit: (f) => beside(f, 'fanout.cpuPerConnection', 'CPU per connection'),
  },
  {
    // The same less the softirq time of the loop's CPU: the load generator's network input, which the veth runs in
    // the server's write syscalls (bench/softirq.ts).
    label: "fan-out to 100k, 4 processes (server's own CPU)",
    key: 'fanout.100k.4.own',
    limit: (f) => beside(f, 'fanout.ownCpuPerConnection', 'own CPU per connection'),
  },
  {
    // 100k connections held on this machine over several processes (each within its open-files limit), their loops'
    // CPU per job summed and spread over 4 cores: the measured counterpart of the row above.
    label: 'fan-out to 100k measured, over 4 cores (summed CPU)',
    key: 'fanout.spread.4',
    limit: (f) =>
      join(
        beside(f, 'fanout.spread.cpuPerConnection', 'CPU per connection'),
        beside(f, 'fanout.spread.p99', 'wall p99 on this machine', 0),
      ),
  },
  {
    label: 'fan-out to 100k, 8 processes (from CPU)',
    key: 'fanout.100k.8',
    limit: (f) => beside(f, 'fanout.p99PerConnection', 'wall p99 per connection'),
  },
  {
    // Issue 18's words: from the share's arrival to submitblock on the wire (the request's bytes in the kernel).
    label: 'block submit p99, scrypt (read → written)',
    key: 'submit.p99',
    // A block-solving share is usually alone in its turn: its hash is a lone one, not a lane of a batch.
    limit: (f) => beside(f, 'submit.oneHash', 'a lone scrypt hash', 3),
  },
  { label: 'block submit p99, sha256d (read → written)', key: 'submit.sha256d.p99' },
  { label: 'SQS requests per million shares, queue', key: 'pipeline.sqs.queue' },
  { label: 'SQS requests per million shares, journal 1 s', key: 'pipeline.sqs.journal 1 s' },
  { label: 'SQS requests per million shares, journal 60 s', key: 'pipeline.sqs.journal 60 s' },
  { label: 'DynamoDB WCU per million shares, queue', key: 'pipeline.wcu.queue' },
  { label: 'DynamoDB WCU per million shares, journal 1 s', key: 'pipeline.wcu.journal 1 s' },
  { label: 'DynamoDB WCU per million shares, journal 60 s', key: 'pipeline.wcu.journal 60 s' },
  {
    label: 'monthly at 6,000 shares/s, queue / journal 60 s',
    key: 'pipeline.monthly.queue',
    limit: (f) => beside(f, 'pipeline.monthly.journal 60 s', 'journal 60 s'),
  },
];

/** The figures of a run from their JSON lines (the runner's BENCH_FIGURES_FILE); unreadable lines are skipped. */
export function parseFigures(lines: string): Map<string, Figure> {
  const figures = new Map<string, Figure>();
  for (const line of lines.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const f = JSON.parse(line) as Figure;
      if (typeof f.key === 'string' && typeof f.measured === 'number') figures.set(f.key, f);
    } catch {
      // A section killed mid-write leaves a partial last line: the figure is then "not run".
    }
  }
  return figures;
}

/** The table's lines: one per row of SUMMARY_ROWS, in that order, whether or not its section ran. */
export function summaryLines(f: Figures): string[] {
  const header = [
    'figure'.padEnd(48),
    'measured'.padStart(22),
    '  ',
    'goal'.padEnd(20),
    'verdict'.padEnd(18),
    'against the limit',
  ];
  const lines = [header.join(' ')];
  for (const row of SUMMARY_ROWS) {
    const r = f.get(row.key);
    const measured = r === undefined ? 'not run' : `${fmt(r.measured)} ${r.unit}`;
    let goalText = '';
    let verdict = '';
    if (r?.target !== undefined && r.better !== undefined) {
      goalText = `${r.better === 'higher' ? '≥' : '<'} ${fmt(r.target)}`;
      const by = missFactor({ measured: r.measured, better: r.better, target: r.target });
      verdict = by === undefined ? 'PASS' : `MISS ×${fmt(by)}`;
    }
    const limit = r === undefined ? '' : join(r.note ?? '', row.limit?.(f) ?? '');
    lines.push(
      [row.label.padEnd(48), measured.padStart(22), '  ', goalText.padEnd(20), verdict.padEnd(18), limit]
        .join(' ')
        .trimEnd(),
    );
  }
  return lines;
}
