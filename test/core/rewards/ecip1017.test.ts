import { describe, expect, it } from 'vitest';
import { blockIncome, blockReward, eraOf, uncleInclusionReward, uncleReward } from '../../../core/rewards/ecip1017.js';

const ETC = 10n ** 18n;
const MAINNET = 5_000_000;
const MORDOR = 2_000_000;

describe('ECIP-1017 (ETC rewards, wei)', () => {
  it('numbers eras from zero with block 5,000,000 the last of era 0 on mainnet (core-geth GetBlockEra)', () => {
    expect([0, 1, 5_000_000, 5_000_001, 10_000_000, 10_000_001, 20_000_001].map((n) => eraOf(n, MAINNET))).toEqual([
      0, 0, 0, 1, 1, 2, 4,
    ]);
    expect([2_000_000, 2_000_001].map((n) => eraOf(n, MORDOR))).toEqual([0, 1]);
  });

  it('pays 5, 4, 3.2, 2.56, 2.048 ETC per block in eras 0–4 (the reference table)', () => {
    const eras = [1, 5_000_001, 10_000_001, 15_000_001, 20_000_001].map((n) => blockReward(n, MAINNET));
    expect(eras).toEqual([5n * ETC, 4n * ETC, (32n * ETC) / 10n, (256n * ETC) / 100n, (2048n * ETC) / 1000n]);
    // Real blocks: 10,000,000 is era 1, 15,000,000 era 2.
    expect(blockReward(10_000_000, MAINNET)).toBe(4n * ETC);
    expect(blockReward(15_000_000, MAINNET)).toBe((32n * ETC) / 10n);
  });

  it('pays an uncle 0.125, 0.1, 0.08, 0.064 ETC from era 1 on whatever its distance, and (8 − d)/8 × 5 ETC in era 0', () => {
    expect([5_000_001, 10_000_001, 15_000_001, 20_000_001].map((n) => uncleReward(n - 1, n, MAINNET))).toEqual([
      (125n * ETC) / 1000n,
      ETC / 10n,
      (8n * ETC) / 100n,
      (64n * ETC) / 1000n,
    ]);
    expect(uncleReward(10_000_000 - 6, 10_000_000, MAINNET)).toBe((125n * ETC) / 1000n);
    expect(uncleReward(99, 100, MAINNET)).toBe((7n * 5n * ETC) / 8n);
    expect(uncleReward(94, 100, MAINNET)).toBe((2n * 5n * ETC) / 8n);
    expect(() => uncleReward(100, 100, MAINNET)).toThrow(RangeError);
    expect(() => uncleReward(90, 100, MAINNET)).toThrow(RangeError);
  });

  it('adds 1/32 of the block reward per included uncle and the fees to what the block paid its miner', () => {
    expect(uncleInclusionReward(15_000_000, MAINNET)).toBe(ETC / 10n);
    expect(blockIncome(15_000_000, MAINNET, 1, 123_456_789n)).toBe((32n * ETC) / 10n + ETC / 10n + 123_456_789n);
    expect(blockIncome(1, MAINNET, 2, 0n)).toBe(5n * ETC + (2n * 5n * ETC) / 32n);
  });
});
