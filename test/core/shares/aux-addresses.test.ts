import { describe, expect, it } from 'vitest';
import { AUX_ADDRESSES_PER_BATCH, AuxAddressTally } from '../../../core/shares/aux-addresses.js';
import { MINER_A, MINER_B } from './fixtures.js';

const claim = (miner: string, address: string, coin = 'DOGE') => ({ miner, coin, address });

describe('AuxAddressTally', () => {
  it('keeps each claim once, in the order first made', () => {
    const t = new AuxAddressTally();
    t.add(claim(MINER_A, 'D1'));
    t.add(claim(MINER_B, 'D2'));
    t.add(claim(MINER_A, 'D1')); // another worker of the same miner, same password
    t.add(claim(MINER_A, 'D3')); // a second address of the same miner: ingest decides (the first stays)
    t.add(claim(MINER_A, 'D1', 'PEP')); // the same address string for another aux coin
    expect(t.size).toBe(4);
    expect(t.take()).toEqual([
      claim(MINER_A, 'D1'),
      claim(MINER_B, 'D2'),
      claim(MINER_A, 'D3'),
      claim(MINER_A, 'D1', 'PEP'),
    ]);
    expect(t.size).toBe(0);
  });

  it('takes at most a batch worth, oldest first, and leaves the rest for the next take', () => {
    const t = new AuxAddressTally(2_000);
    for (let i = 0; i < AUX_ADDRESSES_PER_BATCH + 3; i++) t.add(claim(`m${i}`, 'D1'));
    const first = t.take();
    expect(first).toHaveLength(AUX_ADDRESSES_PER_BATCH);
    expect(first[0]?.miner).toBe('m0');
    expect(t.take().map((c) => c.miner)).toEqual([
      `m${AUX_ADDRESSES_PER_BATCH}`,
      `m${AUX_ADDRESSES_PER_BATCH + 1}`,
      `m${AUX_ADDRESSES_PER_BATCH + 2}`,
    ]);
  });

  it('drops new claims past its bound and counts them, while a claim it holds is still accepted', () => {
    const t = new AuxAddressTally(2);
    expect(t.add(claim('m1', 'D1'))).toBe(true);
    expect(t.add(claim('m2', 'D1'))).toBe(true);
    expect(t.add(claim('m3', 'D1'))).toBe(false);
    expect(t.add(claim('m1', 'D1'))).toBe(true);
    expect(t.dropped).toBe(1);
    expect(t.take().map((c) => c.miner)).toEqual(['m1', 'm2']);
    expect(t.add(claim('m3', 'D1'))).toBe(true); // room again once taken
  });
});
