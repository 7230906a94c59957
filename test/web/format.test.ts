import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coins, minerCommand, refusedShare, unitsOf } from '../../web/src/format.js';

describe('dashboard amounts', () => {
  it('shows an 8-decimal coin with all its decimals, as before', () => {
    expect(coins('0')).toBe('0.00000000');
    expect(coins('123456789')).toBe('1.23456789');
    expect(coins('100000000')).toBe('1.00000000');
    expect(coins('-5')).toBe('-0.00000005');
  });

  it('shows wei (18 decimals) exactly, at least 8 decimals and no trailing zeros past them', () => {
    expect(coins('5000000000000000000', 18)).toBe('5.00000000');
    expect(coins('1', 18)).toBe('0.000000000000000001');
    expect(coins('4950000000000000000', 18)).toBe('4.95000000');
    expect(coins('1234567890123456789012', 18)).toBe('1234.567890123456789012');
    expect(coins('0', 18)).toBe('0.00000000');
  });

  it('loses no digit: the shown amount read back is the base units', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.constantFrom(0, 2, 8, 18), (units, decimals) => {
        const [whole, fraction = ''] = coins(units.toString(), decimals).split('.');
        expect(BigInt(whole! + fraction.padEnd(decimals, '0').slice(0, decimals))).toBe(units);
        expect(fraction.length).toBeGreaterThanOrEqual(Math.min(decimals, 8));
      }),
    );
  });

  it('reads a typed amount back into exactly the base units it shows', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.constantFrom(0, 2, 8, 18), (units, decimals) => {
        expect(unitsOf(coins(units.toString(), decimals), decimals)).toBe(units);
      }),
    );
    expect(unitsOf('0.5', 8)).toBe(50_000_000n);
    expect(unitsOf(' 1 ', 8)).toBe(100_000_000n);
    expect(unitsOf('0.10000000000', 8)).toBe(10_000_000n); // trailing zeros past the decimals are no digit
  });

  it('refuses a typed amount it would have to round: past the decimals, negative, or not a number', () => {
    expect(() => unitsOf('0.000000001', 8)).toThrow('has more than 8 decimals');
    expect(() => unitsOf('-1', 8)).toThrow('is negative');
    expect(() => unitsOf('1,5', 8)).toThrow('not a decimal');
    expect(() => unitsOf('', 8)).toThrow('not a decimal');
  });
});

describe('dashboard miner command', () => {
  it('names cpuminer for scrypt and sha256d, lolMiner (ETCHASH) for an etchash port', () => {
    const port = { host: 'pool.example', port: 3335, tls: false };
    expect(minerCommand('scrypt', { ...port, port: 3333 })).toBe(
      'minerd -a scrypt -o stratum+tcp://pool.example:3333 -u YOUR_ADDRESS.worker -p x',
    );
    expect(minerCommand('sha256d', { ...port, port: 3334, tls: true })).toBe(
      'minerd -a sha256d -o stratum+ssl://pool.example:3334 -u YOUR_ADDRESS.worker -p x',
    );
    expect(minerCommand('etchash', port)).toBe(
      'lolMiner --algo ETCHASH --pool pool.example:3335 --user YOUR_ADDRESS.worker',
    );
    expect(minerCommand('etchash', { ...port, tls: true })).toContain('--tls on');
  });
});

describe('refusedShare', () => {
  const w = (accepted: number, stale: number, invalid: number, duplicate = 0) => ({
    accepted,
    stale,
    invalid,
    duplicate,
  });

  it('gives refused shares as a percentage of all the worker sent, high from 10%', () => {
    expect(refusedShare(w(95, 3, 2))).toEqual({ text: '5%', high: false });
    expect(refusedShare(w(90, 5, 4, 1))).toEqual({ text: '10%', high: true });
    expect(refusedShare(w(0, 1, 1))).toEqual({ text: '100%', high: true });
    expect(refusedShare(w(999, 1, 0))).toEqual({ text: '0.1%', high: false });
  });

  it('shows a dash for a worker that sent nothing', () => {
    expect(refusedShare(w(0, 0, 0))).toEqual({ text: '—', high: false });
  });
});
