import { describe, expect, it } from 'vitest';
import { parseShareBatch } from '../../../core/shares/batch-schema.js';
import { batch, MINER_A, share } from './fixtures.js';

describe('parseShareBatch', () => {
  it('accepts what the queue sends', () => {
    const b = batch('i-1', [share(), share({ ip: '203.0.113.9' })]);
    expect(parseShareBatch(JSON.stringify(b))).toEqual(b);
  });

  const rejected = [
    { miner: MINER_A, worker: 'rig1', timestamp: 1_700_000_000_000, stale: 1, invalid: 2, duplicate: 0 },
  ];

  it('accepts refused-share counts, with shares or alone, and a batch without them (older producers)', () => {
    const withShares = { ...batch('i-2', [share()]), rejected };
    expect(parseShareBatch(JSON.stringify(withShares))).toEqual(withShares);
    const alone = { ...batch('i-3', []), rejected };
    expect(parseShareBatch(JSON.stringify(alone))).toEqual(alone);
    expect(parseShareBatch(JSON.stringify(batch('i-4', [share()]))).rejected).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"v":1', /not JSON/],
    [
      'no shares and no refused-share counts',
      JSON.stringify({ ...batch('x', []), rejected: [] }),
      /shares, refused-share counts or aux payout addresses/,
    ],
    [
      'refused-share counts on a rounds-only batch',
      JSON.stringify({ ...batch('x', [share()]), views: 'rounds', rejected }),
      /rounds-only/,
    ],
    [
      'a fractional refused-share count',
      JSON.stringify({ ...batch('x', []), rejected: [{ ...rejected[0], stale: 0.5 }] }),
      /stale/,
    ],
    [
      'a negative refused-share count',
      JSON.stringify({ ...batch('x', []), rejected: [{ ...rejected[0], invalid: -1 }] }),
      /invalid/,
    ],
    [
      'refused-share counts of a miner with "#"',
      JSON.stringify({ ...batch('x', []), rejected: [{ ...rejected[0], miner: 'a#b' }] }),
      /miner/,
    ],
    ['a wrong version', JSON.stringify({ ...batch('x', [share()]), v: 2 }), /not a share batch/],
    ['no shares', JSON.stringify(batch('x', [])), /shares/],
    ['a share of another coin', JSON.stringify(batch('x', [share({ coin: 'DOGE' })])), /batch coin/],
    ['a negative difficulty', JSON.stringify(batch('x', [share({ difficulty: -1 })])), /difficulty/],
    ['a miner with "#"', JSON.stringify(batch('x', [share({ miner: 'a#b' })])), /miner/],
    ['a summary entry of 0 shares', JSON.stringify(batch('x', [share({ count: 0 })])), /count/],
    ['an unknown view', JSON.stringify({ ...batch('x', [share()]), views: 'all' }), /views/],
    [
      'a found block in a minutes-only summary',
      JSON.stringify({
        ...batch('x', [
          share({ block: { height: 1, hash: 'ab'.repeat(32), reward: '1', networkDifficulty: 1, submitResult: 'x' } }),
        ]),
        views: 'minutes',
      }),
      /minutes-only/,
    ],
    [
      'a found block folded with other shares',
      JSON.stringify(
        batch('x', [
          share({
            count: 2,
            block: { height: 1, hash: 'ab'.repeat(32), reward: '1', networkDifficulty: 1, submitResult: 'x' },
          }),
        ]),
      ),
      /never folded/,
    ],
    [
      'a float reward',
      JSON.stringify(
        batch('x', [
          share({
            block: { height: 1, hash: 'ab'.repeat(32), reward: '1.5', networkDifficulty: 1, submitResult: 'accepted' },
          }),
        ]),
      ),
      /reward/,
    ],
  ])('rejects %s with a message that says why', (_, body, why) => {
    expect(() => parseShareBatch(body)).toThrow(why);
  });
});

describe('parseShareBatch: merged mining', () => {
  const auxBlock = {
    coin: 'DOGE',
    height: 5000,
    hash: 'cd'.repeat(32),
    reward: '1000000000000',
    networkDifficulty: 2,
    submitResult: 'accepted',
  };
  const claim = { miner: MINER_A, coin: 'DOGE', address: 'DPvc6tCMWJBrNcqn7T1TyZBjQCbUQPCpH4' };

  it('accepts aux blocks on a share and aux payout addresses with shares, alone or on a minutes batch', () => {
    const withAux = { ...batch('a-1', [share({ auxBlocks: [auxBlock] })]), auxAddresses: [claim] };
    expect(parseShareBatch(JSON.stringify(withAux))).toEqual(withAux);
    const alone = { ...batch('a-2', []), auxAddresses: [claim] };
    expect(parseShareBatch(JSON.stringify(alone))).toEqual(alone);
    const minutes = { ...batch('a-3', [share()]), views: 'minutes' as const, auxAddresses: [claim] };
    expect(parseShareBatch(JSON.stringify(minutes))).toEqual(minutes);
  });

  it.each([
    [
      'aux addresses on a rounds-only batch',
      { ...batch('x', [share()]), views: 'rounds', auxAddresses: [claim] },
      /rounds-only/,
    ],
    ['an aux address with "#"', { ...batch('x', []), auxAddresses: [{ ...claim, address: 'D#x' }] }, /"#"/],
    ['an empty aux address', { ...batch('x', []), auxAddresses: [{ ...claim, address: '' }] }, /address/],
    ['an aux address of a miner with "#"', { ...batch('x', []), auxAddresses: [{ ...claim, miner: 'a#b' }] }, /miner/],
    [
      'an aux address without its coin',
      { ...batch('x', []), auxAddresses: [{ miner: MINER_A, address: 'D1' }] },
      /coin/,
    ],
    [
      'more aux addresses than a batch carries',
      { ...batch('x', []), auxAddresses: Array.from({ length: 501 }, (_, i) => ({ ...claim, miner: `m${i}` })) },
      /auxAddresses/,
    ],
    ['an empty aux block list', batch('x', [share({ auxBlocks: [] })]), /auxBlocks/],
    ['an aux block without its coin', batch('x', [share({ auxBlocks: [{ ...auxBlock, coin: '' }] })]), /coin/],
    [
      'an aux block with a float reward',
      batch('x', [share({ auxBlocks: [{ ...auxBlock, reward: '0.5' }] })]),
      /reward/,
    ],
    [
      'an aux block on a folded summary entry',
      batch('x', [share({ count: 2, auxBlocks: [auxBlock] })]),
      /never folded/,
    ],
    [
      'an aux block in a minutes-only summary',
      { ...batch('x', [share({ auxBlocks: [auxBlock] })]), views: 'minutes' },
      /minutes-only/,
    ],
  ])('rejects %s with a message that says why', (_, body, why) => {
    expect(() => parseShareBatch(JSON.stringify(body))).toThrow(why);
  });
});
