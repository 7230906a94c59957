import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBlockTemplate } from '../../../core/chain/template.js';
import { DaemonError } from '../../../core/errors.js';

const raw = JSON.parse(readFileSync(new URL('../../fixtures/gbt/ltc-regtest-mweb.json', import.meta.url), 'utf8'));

describe('getblocktemplate parsing', () => {
  it('reads the recorded regtest template', () => {
    const t = parseBlockTemplate(raw);
    expect(t.height).toBe(raw.height);
    expect(t.bits).toBe(0x207fffff);
    expect(t.coinbasevalue).toBe(BigInt(raw.coinbasevalue));
    expect(t.mweb).toBe(raw.mweb);
    expect(t.defaultWitnessCommitment).toBe(raw.default_witness_commitment);
    expect(t.transactions).toHaveLength(raw.transactions.length);
  });

  it('refuses an MWEB template whose HogEx is not last', () => {
    const reordered = { ...raw, transactions: [...raw.transactions].reverse() };
    expect(() => parseBlockTemplate(reordered)).toThrow(/HogEx/);
  });

  it('refuses an MWEB template without any HogEx', () => {
    expect(() => parseBlockTemplate({ ...raw, transactions: raw.transactions.slice(0, -1) })).toThrow(/HogEx/);
  });

  it('refuses transaction data or an MWEB part that is not hex: they go into submitblock as they are', () => {
    const [first, ...rest] = raw.transactions as { data: string }[];
    const quoted = { ...raw, transactions: [{ ...first, data: `${first!.data}"],"x":["` }, ...rest] };
    expect(() => parseBlockTemplate(quoted)).toThrow(DaemonError);
    expect(() => parseBlockTemplate({ ...raw, mweb: `${raw.mweb}"` })).toThrow(DaemonError);
    expect(() => parseBlockTemplate({ ...raw, mweb: `${raw.mweb}0` })).toThrow(DaemonError); // odd length
  });

  it('names every missing or malformed field in one DaemonError', () => {
    const { height: _h, ...noHeight } = raw;
    const bad = { ...noHeight, bits: 'xyz', previousblockhash: 'abc' };
    let error: unknown;
    try {
      parseBlockTemplate(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DaemonError);
    expect(String((error as Error).message)).toMatch(/height/);
    expect(String((error as Error).message)).toMatch(/bits/);
    expect(String((error as Error).message)).toMatch(/previousblockhash/);
  });

  it('refuses a coinbase value that a double cannot hold exactly', () => {
    expect(() => parseBlockTemplate({ ...raw, coinbasevalue: 2 ** 53 + 2 })).toThrow(DaemonError);
  });
});
