// What every bench section shares: the machine header, goal lines (PASS/MISS), and the IPC client of
// the load generator process (bench/loadgen.ts).
import { type ChildProcess, fork, type StdioOptions, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ShareSpool } from '../core/ports/share-spool.js';
import type { LoadGenApi } from './loadgen.js';

export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const maximumFractionDigits = abs >= 100 ? 0 : abs >= 1 ? digits : Math.max(digits, 3);
  return n.toLocaleString('en-US', { maximumFractionDigits });
}

/** Soft and hard RLIMIT_NOFILE of this process (Linux /proc), undefined elsewhere. */
export function openFilesLimit(): { soft: number; hard: number } | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const [soft, hard] = (line?.match(/\d+|unlimited/g) ?? []).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
    return soft !== undefined && hard !== undefined ? { soft, hard } : undefined;
  } catch {
    return undefined;
  }
}

/** A bench server process's next IPC message, or its exit as an error naming `what` (and `hint`, where to look). */
export function nextMessage<T>(child: ChildProcess, what: string, hint = ''): Promise<T> {
  return new Promise((resolve, reject) => {
    const exited = (code: number | null) => reject(new Error(`${what} exited (${code})${hint}`));
    child.once('exit', exited);
    child.once('message', (m) => {
      child.off('exit', exited);
      resolve(m as T);
    });
  });
}

/** The lines that say what the figures were measured on. */
export function machineHeader(): string[] {
  const files = openFilesLimit();
  const [one, five] = loadavg();
  return [
    `nproc ${availableParallelism()}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB`,
    `node ${process.version} ${process.platform}/${process.arch}; load average ${fmt(one!)} (1 min), ${fmt(five!)} (5 min)`,
    `ulimit -n ${files ? `${files.soft} (hard ${files.hard})` : 'unknown'}`,
    process.env.BENCH_HELPER_THREADS === 'as-is'
      ? "V8 helper threads left at the event loop's priority (BENCH_HELPER_THREADS=as-is)"
      : 'V8 helper threads under SCHED_IDLE in every server process, as the container sets them (BENCH_HELPER_THREADS=as-is: not)',
  ];
}

export function heading(title: string): void {
  console.log(`\n${title}`);
}

/** A figure without a goal. */
export function info(label: string, value: string): void {
  console.log(`  ${label.padEnd(44)} ${value}`);
}

/**
 * One figure a section measured, kept for the summary table at the end of a full `npm run bench` (bench/summary.ts).
 * `key` names it there; a figure with a goal also carries the goal.
 */
export interface Figure {
  key: string;
  measured: number;
  unit: string;
  better?: 'higher' | 'lower';
  target?: number;
  /** What the figure was measured with (the kernel in use, the block size): shown beside it. */
  note?: string;
}

/** The figures this process recorded (a section run alone prints its own lines; the runner reads them back). */
export const recorded: Figure[] = [];

/**
 * Records a figure for the summary: in this process, and (a full run, where each section is its own process) as one
 * JSON line in the file the runner names in BENCH_FIGURES_FILE.
 */
export function record(figure: Figure): void {
  recorded.push(figure);
  const file = process.env.BENCH_FIGURES_FILE;
  if (file) appendFileSync(file, `${JSON.stringify(figure)}\n`);
}

export interface Goal {
  label: string;
  /** The figure's name in the summary table (bench/summary.ts); unrecorded without it. */
  key?: string;
  /** Shown beside the figure in the summary (what it was measured with). */
  note?: string;
  measured: number;
  unit: string;
  /** The goal is `measured >= target` (higher) or `measured < target` (lower). */
  better: 'higher' | 'lower';
  target: number;
  /** The likely reason, printed only when the goal is missed. */
  whyMissed?: string;
}

export function passes(g: Pick<Goal, 'measured' | 'better' | 'target'>): boolean {
  return g.better === 'higher' ? g.measured >= g.target : g.measured < g.target;
}

/** How far a figure is from its goal (×1 or more; higher is worse), undefined when it passes. */
export function missFactor(g: Pick<Goal, 'measured' | 'better' | 'target'>): number | undefined {
  if (passes(g)) return undefined;
  return g.better === 'higher' ? g.target / g.measured : g.measured / g.target;
}

/** Prints the figure next to its goal, PASS or MISS, and by how much it missed. Returns whether it passed. */
export function goal(g: Goal): boolean {
  if (g.key)
    record({ key: g.key, measured: g.measured, unit: g.unit, better: g.better, target: g.target, note: g.note });
  const pass = passes(g);
  const sign = g.better === 'higher' ? '≥' : '<';
  const left = `${fmt(g.measured)} ${g.unit}`.padStart(20);
  const right = `goal ${sign} ${fmt(g.target)} ${g.unit}`;
  const by = missFactor(g);
  const verdict = by === undefined ? 'PASS' : `MISS (×${fmt(by)} ${g.better === 'higher' ? 'short' : 'over'})`;
  console.log(`  ${g.label.padEnd(44)} ${left}   ${right.padEnd(34)} ${verdict}`);
  if (!pass && g.whyMissed) console.log(`  ${''.padEnd(44)} likely reason: ${g.whyMissed}`);
  return pass;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Arg<C extends keyof LoadGenApi> = Parameters<LoadGenApi[C]>[0];

/**
 * The share queue's spool where the bench's transport never fails (it accepts or counts every batch): a spool write
 * would mean the bench measured something else, so it throws.
 */
export const NO_SPOOL: ShareSpool = {
  append: async () => {
    throw new Error('bench: the share spool must not be used');
  },
  sealSegments: async () => [],
  readSegment: async () => [],
  removeSegment: async () => {},
};

/** The load generator process; `call` runs one of its commands (bench/loadgen.ts) and returns its result. */
export class LoadGen {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.ok) p?.resolve(msg.result);
      else p?.reject(new Error(`load generator: ${msg.error}`));
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        for (const p of this.pending.values()) p.reject(new Error(`load generator exited (${code})`));
        this.pending.clear();
        resolve();
      }),
    );
  }

  /** `prefix`: a command that runs it (bench/netns.ts: in its network namespace, on its own CPU). */
  static start(prefix: readonly string[] = []): LoadGen {
    const script = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
    // Plain `node --import tsx`, so it also starts from a test runner whose execArgv is not tsx's.
    const stdio: StdioOptions = ['ignore', 'inherit', 'inherit', 'ipc'];
    if (prefix.length === 0) return new LoadGen(fork(script, [], { execArgv: ['--import', 'tsx'], stdio }));
    return new LoadGen(spawn(prefix[0]!, [...prefix.slice(1), process.execPath, '--import', 'tsx', script], { stdio }));
  }

  call<C extends keyof LoadGenApi>(cmd: C, args: Arg<C>): ReturnType<LoadGenApi[C]> {
    const id = this.seq++;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, args });
    }) as ReturnType<LoadGenApi[C]>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill();
    await this.exited;
  }
}
