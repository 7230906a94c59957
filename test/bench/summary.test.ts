import { describe, expect, it } from 'vitest';
import type { Figure } from '../../bench/harness.js';
import { parseFigures, SUMMARY_ROWS, summaryLines } from '../../bench/summary.js';

const figures = (...list: Figure[]) => new Map(list.map((f) => [f.key, f]));
const rowOf = (lines: string[], label: string) => lines.find((l) => l.startsWith(label));

describe('the bench summary table', () => {
  it('has one line per row, in order, after its header, whether or not the sections ran', () => {
    const lines = summaryLines(new Map());
    expect(lines).toHaveLength(SUMMARY_ROWS.length + 1);
    for (const [i, row] of SUMMARY_ROWS.entries()) {
      expect(lines[i + 1]!.startsWith(row.label)).toBe(true);
      expect(lines[i + 1]).toContain('not run');
    }
  });

  it('names every row once and reads every row from its own key', () => {
    expect(new Set(SUMMARY_ROWS.map((r) => r.label)).size).toBe(SUMMARY_ROWS.length);
    expect(new Set(SUMMARY_ROWS.map((r) => r.key)).size).toBe(SUMMARY_ROWS.length);
  });

  it('prints the goal and PASS, or MISS with the factor', () => {
    const lines = summaryLines(
      figures(
        { key: 'submit.p99', measured: 2, unit: 'ms', better: 'lower', target: 1 },
        { key: 'hashing.scrypt', measured: 25_000, unit: 'hashes/s', better: 'higher', target: 20_000 },
        { key: 'throughput.sha256d', measured: 25_000, unit: 'shares/s', better: 'higher', target: 100_000 },
      ),
    );
    expect(rowOf(lines, 'block submit p99')).toMatch(/2 ms\s+< 1\s+MISS ×2\b/);
    expect(rowOf(lines, 'native scrypt')).toMatch(/25,000 hashes\/s\s+≥ 20,000\s+PASS/);
    expect(rowOf(lines, 'sha256d shares/s')).toMatch(/MISS ×4\b/);
  });

  it('gives a share-path figure as a share of the hash limit measured in the same run, with its instructions', () => {
    const lines = summaryLines(
      figures(
        { key: 'throughput.sha256d', measured: 30_000, unit: 'shares/s', better: 'higher', target: 100_000 },
        { key: 'throughput.sha256d.native', measured: 1_200_000, unit: 'hashes/s' },
        { key: 'instructions.sha256d', measured: 110_000, unit: 'instructions/share', note: 'scalar' },
        { key: 'instructions.sha256d.own', measured: 41_000, unit: 'instructions' },
        { key: 'throughput.scrypt', measured: 16_000, unit: 'shares/s', better: 'higher', target: 15_000 },
        { key: 'fanout.100k.4', measured: 240, unit: 'ms', better: 'lower', target: 250 },
        { key: 'fanout.cpuPerConnection', measured: 9.6, unit: 'µs' },
        { key: 'submit.p99', measured: 2.3, unit: 'ms', better: 'lower', target: 1 },
        { key: 'submit.oneHash', measured: 0.21, unit: 'ms' },
      ),
    );
    expect(rowOf(lines, 'block submit p99')).toContain('a lone scrypt hash 0.21 ms');
    expect(rowOf(lines, 'sha256d shares/s')).toContain('2.5 % of native sha256d (1,200,000/s)');
    expect(rowOf(lines, 'sha256d shares/s')).toContain(
      'callgrind 110,000 instructions/share; of it the share path 41,000 instructions',
    );
    // The scrypt lane rate was not recorded: the ratio says so instead of dividing by nothing.
    expect(rowOf(lines, 'scrypt shares/s')).toContain('the scrypt lanes: not measured in this run');
    expect(rowOf(lines, 'fan-out to 100k, 4 processes')).toContain('CPU per connection 9.6 µs');
  });

  it('shows the RSS per idle connection at the count measured, the slope of the fit and the 100k figure by the fit, each against 10 KiB', () => {
    const kib = { unit: 'KiB', better: 'lower' as const, target: 10 };
    const lines = summaryLines(
      figures(
        { key: 'connections.rss', measured: 3.4, ...kib, note: 'at 19800 connections' },
        { key: 'connections.heap', measured: 2.5, unit: 'KiB' },
        { key: 'connections.rssSlope', measured: 3.2, ...kib, note: '4950 → 19800 connections, 4 MiB fixed' },
        { key: 'connections.rss100k', measured: 12, ...kib, note: 'extrapolated: this machine opens 19800' },
      ),
    );
    expect(rowOf(lines, 'RSS per idle connection, at the count measured')).toMatch(
      /3\.4 KiB\s+< 10\s+PASS\s+at 19800 connections; JS heap 2\.5 KiB$/,
    );
    expect(rowOf(lines, 'RSS per idle connection, slope')).toMatch(/3\.2 KiB\s+< 10\s+PASS\s+4950 → 19800/);
    expect(rowOf(lines, 'RSS per idle connection at 100k (by the fit)')).toMatch(
      /12 KiB\s+< 10\s+MISS ×1\.2\s+extrapolated/,
    );
  });

  it('reads the figures the sections appended, the last of a key winning, a torn last line skipped', () => {
    const text = [
      JSON.stringify({ key: 'submit.p99', measured: 3, unit: 'ms' }),
      JSON.stringify({ key: 'submit.p99', measured: 0.9, unit: 'ms', better: 'lower', target: 1 }),
      '{"key":"connections.rss","meas',
    ].join('\n');
    const read = parseFigures(text);
    expect([...read.keys()]).toEqual(['submit.p99']);
    expect(read.get('submit.p99')?.measured).toBe(0.9);
  });
});
