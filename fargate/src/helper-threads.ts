import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from '../../core/ports/logger.js';
import { loadHashingAddon } from './hashing/load-addon.js';

/**
 * V8's helper threads (Node names them `V8Worker`: concurrent marking, parallel scavenging, sweeping, the optimizing
 * compilers) are put under SCHED_IDLE, below the event loop (issue 18). On a wake-up the scheduler places such a
 * thread on the CPU of the thread that woke it (the event loop) and, at the same priority, lets it preempt the loop
 * for 0.3–1 ms while the other CPU sits idle: `perf sched` showed it in every block-submit window over 0.9 ms, and it
 * was what kept the scrypt block submit p99 above 1 ms (docs/performance.md). A SCHED_IDLE thread never preempts the
 * loop; it runs where a CPU is free and still gets a little when none is (its work is never lost: V8 finishes on the
 * main thread what a helper has not). Where SCHED_IDLE is refused, nice 19 (nearly as good in the bench). Linux only:
 * elsewhere there is no /proc/self/task and nothing is changed.
 */
export const HELPER_THREAD_NAME = 'V8Worker';
export const HELPER_THREAD_NICE = 19;

export interface ProcessThread {
  tid: number;
  name: string;
}

/** The process's threads and the two changes made to them: a port, so that the choice is tested without /proc. */
export interface ThreadTable {
  threads(): ProcessThread[];
  /** SCHED_IDLE for one thread of this process; throws where refused. */
  setIdle(tid: number): void;
  setNice(tid: number, nice: number): void;
}

export interface HelperThreadsResult {
  /** Under SCHED_IDLE. */
  idle: number[];
  /** SCHED_IDLE refused: at nice 19 instead. */
  niced: number[];
  /** Neither could be set (the thread is as it was), with why. */
  failed: Array<{ tid: number; error: string }>;
}

/** Lowers every V8 helper thread of the process; the event loop and every other thread are left alone. */
export function lowerHelperThreads(table: ThreadTable): HelperThreadsResult {
  const result: HelperThreadsResult = { idle: [], niced: [], failed: [] };
  for (const { tid, name } of table.threads()) {
    if (name !== HELPER_THREAD_NAME) continue;
    try {
      table.setIdle(tid);
      result.idle.push(tid);
      continue;
    } catch {
      // next: nice
    }
    try {
      table.setNice(tid, HELPER_THREAD_NICE);
      result.niced.push(tid);
    } catch (err) {
      result.failed.push({ tid, error: (err as Error).message });
    }
  }
  return result;
}

/** This process's threads from /proc/self/task (none where there is no /proc: not Linux). */
export function procThreadTable(setIdle: (tid: number) => void = loadHashingAddon().setThreadIdle): ThreadTable {
  return {
    threads() {
      let tids: string[];
      try {
        tids = readdirSync('/proc/self/task');
      } catch {
        return [];
      }
      const threads: ProcessThread[] = [];
      for (const tid of tids) {
        try {
          threads.push({ tid: Number(tid), name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() });
        } catch {
          // the thread ended meanwhile
        }
      }
      return threads;
    },
    setIdle,
    // setpriority(PRIO_PROCESS, tid): on Linux the nice value is per thread. Raising it needs no privilege.
    setNice: (tid, nice) => setPriority(tid, nice),
  };
}

/** At a stratum process's start: lowers the helpers and says what it did. */
export function yieldHelperThreads(log: Pick<Logger, 'info' | 'warn'>, table = procThreadTable()): HelperThreadsResult {
  const result = lowerHelperThreads(table);
  if (result.failed.length > 0) log.warn({ failed: result.failed }, 'V8 helper threads: some could not be lowered');
  log.info({ idle: result.idle.length, niced: result.niced.length }, 'V8 helper threads below the event loop');
  return result;
}
