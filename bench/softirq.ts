// The softirq time of the CPU a process runs on, from /proc/stat: what the kernel spent in softirqs there while the
// process ran (TICK_CPU_ACCOUNTING charges it to the interrupted process's system time too). On a veth pair the
// writer's syscall runs the receiving end's whole network input in softirq (bench/netns.ts), so this is the part of
// a server's fan-out CPU that a load generator on another host would not cost it (docs/performance.md).
import { readFileSync } from 'node:fs';

/** /proc/stat counts in USER_HZ ticks, 100 a second on Linux whatever the kernel's HZ. */
const USER_HZ = 100;

/** Each CPU's softirq time so far (ms), by CPU number; undefined where there is no /proc/stat. */
export function softirqMsByCpu(stat = readProc('/proc/stat')): number[] | undefined {
  if (stat === undefined) return undefined;
  const byCpu: number[] = [];
  for (const line of stat.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    // user nice system idle iowait irq softirq …
    const softirq = Number(m[2]!.trim().split(/\s+/)[6]);
    if (!Number.isFinite(softirq)) return undefined;
    byCpu[Number(m[1])] = (softirq * 1000) / USER_HZ;
  }
  return byCpu.length > 0 ? byCpu : undefined;
}

/** The CPU this process last ran on (field 39 of /proc/self/stat), or undefined. */
export function currentCpu(stat = readProc('/proc/self/stat')): number | undefined {
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = Number(rest[39 - 3]);
  return Number.isInteger(cpu) ? cpu : undefined;
}

/**
 * Runs `work` and returns the softirq time (ms) of its CPU meanwhile, or undefined when that cannot be told (no
 * /proc, or the process moved to another CPU during it).
 */
export function softirqDuring(work: () => void): number | undefined {
  const cpu = currentCpu();
  const before = softirqMsByCpu();
  work();
  const after = softirqMsByCpu();
  if (cpu === undefined || before === undefined || after === undefined || currentCpu() !== cpu) return undefined;
  return after[cpu]! - before[cpu]!;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
