import { describe, expect, it } from 'vitest';
import type { EthBlockHeader, EthNodeClient, EthWorkPackage } from '../../../adapters/rpc/eth-node-client.js';
import { EtcBlockMiner } from '../../../local/devnet/etc-blocks.js';

const EASY = `0x${'f'.repeat(64)}`; // every nonce meets it
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

/**
 * A node serving `works` in turn (the last one from then on) that takes every seal (eth_submitWork answers true for a
 * stale seal too): a seal of a work in `heights` makes the block of that height, unless the height has one already.
 * `submitted`: the header hashes sealed, in order.
 */
function fakeNode(works: EthWorkPackage[], heights: Map<string, number>, blocks = new Map<number, EthBlockHeader>()) {
  const submitted: string[] = [];
  let served = 0;
  const client = {
    name: 'fake',
    getWork: async () => works[Math.min(served++, works.length - 1)]!,
    submitWork: async (nonce: string, headerHash: string) => {
      submitted.push(headerHash);
      const number = heights.get(headerHash);
      if (number !== undefined && !blocks.has(number)) blocks.set(number, header(number, nonce));
      return true;
    },
    getBlockByNumber: async (n: number) => blocks.get(n) ?? null,
  } as unknown as EthNodeClient;
  return { client, submitted };
}

const work = (headerHash: string, blockNumber: number): EthWorkPackage => ({
  headerHash,
  seedHash: hash(0),
  target: EASY,
  blockNumber,
});

/**
 * A node whose first work package was built a head behind: block 1 arrived from its peer just before. It takes the
 * seal but its block 1 stays the peer's.
 */
const nodeOneHeadBehind = () =>
  fakeNode(
    [work(hash(0xb1), 1) /* stale */, work(hash(0xb2), 2)],
    new Map([[hash(0xb2), 2]]),
    new Map([[1, header(1, '0x00000000000000aa')]]),
  );

/**
 * A node that serves the work of the height just sealed once more before its work of the next height (geth builds
 * its pending block on the new head a moment after the head moved).
 */
const nodeSlowToBuildOnItsHead = () =>
  fakeNode(
    [work(hash(0xc1), 1), work(hash(0xc1), 1) /* served again after block 1 */, work(hash(0xc2), 2)],
    new Map([
      [hash(0xc1), 1],
      [hash(0xc2), 2],
    ]),
  );

function header(number: number, nonce: string): EthBlockHeader {
  return {
    number,
    hash: hash(0x1000 + number),
    parentHash: hash(0x1000 + number - 1),
    miner: `0x${'00'.repeat(20)}`,
    difficulty: 1n,
    nonce,
    mixHash: hash(0),
    timestamp: 0,
    uncles: [],
  };
}

describe('EtcBlockMiner', () => {
  it('does not count a seal of work a head behind: the height is the peer’s, so it mines the next one', async () => {
    const { client, submitted } = nodeOneHeadBehind();
    const hashes = await new EtcBlockMiner(client).mine(1);
    expect(submitted).toEqual([hash(0xb1), hash(0xb2)]); // the stale seal, then the one that made block 2
    expect(hashes).toEqual([hash(0x1002)]);
  });

  it('does not seal the work of the height it just sealed again (a sibling the next block would pay as an uncle)', async () => {
    const { client, submitted } = nodeSlowToBuildOnItsHead();
    const hashes = await new EtcBlockMiner(client).mine(2);
    expect(submitted).toEqual([hash(0xc1), hash(0xc2)]);
    expect(hashes).toEqual([hash(0x1001), hash(0x1002)]);
  });
});
