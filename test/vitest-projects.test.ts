import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

/** The test files a package.json script would run: its `vitest run …` arguments, listed instead of run. */
async function filesOf(script: string): Promise<string[]> {
  const args = /vitest run(.*)$/.exec(scripts[script]!)?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
  const { stdout } = await promisify(execFile)('npx', ['vitest', 'list', '--filesOnly', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return stdout
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]+\]\s*/, '').trim())
    .filter((l) => l.endsWith('.test.ts'))
    .sort();
}

describe('npm test scripts', () => {
  it('test:unit runs the in-process tests and none that start litecoind, Hardhat, Chromium or the pool', async () => {
    const [unit, all] = await Promise.all([filesOf('test:unit'), filesOf('test')]);
    expect(unit).toContain('test/core/ledger/audit.test.ts');
    expect(unit).toContain('test/adapters/exchange/ccxt-exchange.test.ts');
    expect(unit.filter((f) => /^test\/(e2e|faults|local)\/|devnet/.test(f))).toEqual([]);
    // npm test still runs everything: the unit tests and the rest.
    expect(all.length).toBeGreaterThan(unit.length);
    expect(all).toEqual(expect.arrayContaining([...unit, 'test/e2e/conversion.e2e.test.ts']));
  }, 60_000);
});
