import { describe, expect, it } from 'vitest';
import { ownCpuMs } from '../../bench/fanout.js';
import { currentCpu, softirqDuring, softirqMsByCpu } from '../../bench/softirq.js';

const STAT = `cpu  5449978 31698 983418 3058174 15312 0 57178 6001 0 0
cpu0 2724989 15849 491709 1529087 7656 0 28589 3000 0 0
cpu1 2724989 15849 491709 1529087 7656 0 30000 3001 0 0
intr 1234 0 0
ctxt 99
`;

describe('bench/softirq', () => {
  it("reads each CPU's softirq column (the 7th) of /proc/stat in ms, 100 ticks a second", () => {
    expect(softirqMsByCpu(STAT)).toEqual([285_890, 300_000]);
    expect(softirqMsByCpu('cpu  1 2 3\n')).toBeUndefined(); // no per-CPU lines
  });

  it('finds the CPU in /proc/self/stat past a command name with spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 1));
    fields[38] = '7'; // field 39: processor
    const stat = `4242 (node (x) y) ${fields.slice(2).join(' ')}`;
    expect(currentCpu(stat)).toBe(7);
  });

  it.runIf(process.platform === 'linux')(
    'measures the work on this process’s CPU: a number of ms or, moved, none',
    () => {
      const soft = softirqDuring(() => {});
      if (soft !== undefined) expect(soft).toBeGreaterThanOrEqual(0);
      expect(currentCpu()).toBeGreaterThanOrEqual(0);
      expect(softirqMsByCpu()?.length).toBeGreaterThan(0);
    },
  );

  it("the fan-out's own CPU: loop CPU less softirq, median over the jobs where softirq is known", () => {
    const r = { userMs: [10, 10, 10, 30], sysMs: [90, 100, 110, 500], softirqMs: [50, 40, undefined, 60] };
    // jobs 0, 1, 3: 50, 70, 470 → median 70; job 2 (moved CPU) is left out
    expect(ownCpuMs(r)).toBe(70);
    expect(ownCpuMs({ userMs: [1], sysMs: [1], softirqMs: [undefined] })).toBeUndefined();
  });
});
