import { afterEach, describe, expect, it } from 'vitest';
import { spreadProcesses } from '../../bench/fanout.js';

describe('bench/fanout spreadProcesses', () => {
  const set = process.env.BENCH_FANOUT_PROCESSES;
  afterEach(() => {
    if (set === undefined) delete process.env.BENCH_FANOUT_PROCESSES;
    else process.env.BENCH_FANOUT_PROCESSES = set;
  });

  it('spreads 100,000 connections over as many processes as the open-files limit needs', () => {
    delete process.env.BENCH_FANOUT_PROCESSES;
    expect(spreadProcesses(20_000)).toBe(6); // 18,000 each at most: 6 × 16,667
    expect(spreadProcesses(65_536)).toBe(2);
  });

  it('one process where it holds them all, or where the limit would need too many', () => {
    delete process.env.BENCH_FANOUT_PROCESSES;
    expect(spreadProcesses(Number.POSITIVE_INFINITY)).toBe(1);
    expect(spreadProcesses(1_048_576)).toBe(1);
    expect(spreadProcesses(1_024)).toBe(1); // a default limit: 100 processes would not be a measurement
    expect(spreadProcesses(0)).toBe(1);
  });

  it('BENCH_FANOUT_PROCESSES decides when set', () => {
    process.env.BENCH_FANOUT_PROCESSES = '3';
    expect(spreadProcesses(20_000)).toBe(3);
  });
});
