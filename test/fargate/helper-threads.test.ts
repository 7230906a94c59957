import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadHashingAddon } from '../../fargate/src/hashing/load-addon.js';
import {
  HELPER_THREAD_NICE,
  lowerHelperThreads,
  type ProcessThread,
  type ThreadTable,
  yieldHelperThreads,
} from '../../fargate/src/helper-threads.js';

/** A thread table whose SCHED_IDLE and nice calls are recorded, and refused for the tids listed. */
function fakeTable(threads: ProcessThread[], refuse: { idle?: number[]; nice?: number[] } = {}) {
  const calls: string[] = [];
  const table: ThreadTable = {
    threads: () => threads,
    setIdle(tid) {
      if (refuse.idle?.includes(tid)) throw new Error(`setThreadIdle: Operation not permitted`);
      calls.push(`idle ${tid}`);
    },
    setNice(tid, nice) {
      if (refuse.nice?.includes(tid)) throw new Error(`ESRCH: no such thread ${tid}`);
      calls.push(`nice ${tid} ${nice}`);
    },
  };
  return { table, calls };
}

describe('lowerHelperThreads', () => {
  it("puts V8's helpers under SCHED_IDLE and nothing else: not the event loop, libuv's pool or the delayed-task thread", () => {
    const { table, calls } = fakeTable([
      { tid: 100, name: 'MainThread' },
      { tid: 101, name: 'DelayedTaskSche' },
      { tid: 102, name: 'V8Worker' },
      { tid: 103, name: 'V8Worker' },
      { tid: 104, name: 'libuv-worker' },
      { tid: 105, name: 'SignalInspector' },
    ]);
    expect(lowerHelperThreads(table)).toEqual({ idle: [102, 103], niced: [], failed: [] });
    expect(calls).toEqual(['idle 102', 'idle 103']);
  });

  it('where SCHED_IDLE is refused, nice 19; where both are, the thread is reported and the others still lowered', () => {
    const { table, calls } = fakeTable(
      [
        { tid: 7, name: 'V8Worker' },
        { tid: 8, name: 'V8Worker' },
        { tid: 9, name: 'V8Worker' },
      ],
      { idle: [7, 8], nice: [7] },
    );
    const warned: object[] = [];
    const result = yieldHelperThreads({ info: () => {}, warn: (o) => warned.push(o) }, table);
    expect(result).toEqual({ idle: [9], niced: [8], failed: [{ tid: 7, error: 'ESRCH: no such thread 7' }] });
    expect(calls).toEqual([`nice 8 ${HELPER_THREAD_NICE}`, 'idle 9']);
    expect(warned).toEqual([{ failed: result.failed }]);
  });
});

describe.runIf(process.platform === 'linux')('setThreadIdle (the addon)', () => {
  const addon = loadHashingAddon();

  it('refuses a thread of another process and a value that is no thread id, by name', () => {
    expect(() => addon.setThreadIdle(1)).toThrow('setThreadIdle: 1 is not a thread of this process');
    expect(() => addon.setThreadIdle(1.5)).toThrow(RangeError);
    expect(() => addon.setThreadIdle(0)).toThrow(RangeError);
    expect(() => addon.setThreadIdle(Number.NaN)).toThrow(RangeError);
    expect(() => (addon.setThreadIdle as (v: unknown) => void)('12')).toThrow(TypeError);
  });
});

// The real thing: a Node process lowers its own helpers through /proc and the addon, and each thread's policy
// (/proc/<pid>/task/<tid>/sched: 5 is SCHED_IDLE) and nice value show it.
describe.runIf(process.platform === 'linux')('yieldHelperThreads in a real process', () => {
  it('every V8Worker thread ends under SCHED_IDLE, the main thread and the others keep their policy', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      import { getPriority } from 'node:os';
      import { procThreadTable, yieldHelperThreads } from './fargate/src/helper-threads.ts';
      const table = procThreadTable();
      const look = () => table.threads().map((t) => ({
        ...t,
        nice: getPriority(t.tid),
        policy: Number(/policy\\s*:\\s*(\\d+)/.exec(readFileSync('/proc/self/task/' + t.tid + '/sched', 'utf8'))[1]),
      }));
      const before = look();
      const result = yieldHelperThreads({ info() {}, warn() {} }, table);
      console.log(JSON.stringify({ pid: process.pid, before, after: look(), result }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    type Seen = ProcessThread & { nice: number; policy: number };
    const { pid, before, after, result } = JSON.parse(out) as {
      pid: number;
      before: Seen[];
      after: Seen[];
      result: { idle: number[]; niced: number[]; failed: unknown[] };
    };
    const SCHED_IDLE = 5;
    const helpers = after.filter((t) => t.name === 'V8Worker');
    // Node names its platform's workers since v22; the project runs Node 24 (scripts/node).
    expect(helpers.length).toBeGreaterThan(0);
    expect(result.failed).toEqual([]);
    expect(result.niced).toEqual([]);
    expect([...result.idle].sort()).toEqual(helpers.map((t) => t.tid).sort());
    for (const t of helpers) expect(t.policy).toBe(SCHED_IDLE);
    for (const t of before.filter((b) => b.name === 'V8Worker')) expect(t.policy).not.toBe(SCHED_IDLE);
    const others = after.filter((t) => t.name !== 'V8Worker');
    expect(others.map((t) => t.tid)).toContain(pid);
    for (const t of others) {
      const was = before.find((b) => b.tid === t.tid);
      if (was) expect({ policy: t.policy, nice: t.nice }).toEqual({ policy: was.policy, nice: was.nice });
    }
  });
});
