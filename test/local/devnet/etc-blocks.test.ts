import { describe, expect, it } from 'vitest';
import type { EthBlockHeader, EthNodeClient, EthWorkPackage } from '../../../adapters/rpc/eth-node-client.js';
import { EtcBlockMiner } from '../../../local/devnet/etc-blocks.js';

const EASY = `0x${'f'.repeat(64)}`; // every nonce meets it
const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;

/**
 * A node whose first work package was built a head behind: block 1 arrived from its peer just before. It takes the
 * seal (eth_submitWork answers true for a stale seal too) but its block 1 stays the peer's.
 */
function nodeOneHeadBehind() {
  const submitted = new Map<string, string>(); // headerHash → nonce
  const blocks = new Map<number, EthBlockHeader>([[1, header(1, '0x00000000000000aa')]]);
  const works: EthWorkPackage[] = [
    { headerHash: hash(0xb1), seedHash: hash(0), target: EASY, blockNumber: 1 }, // stale
    { headerHash: hash(0xb2), seedHash: hash(0), target: EASY, blockNumber: 2 },
  ];
  let served = 0;
  const client = {
    name: 'fake',
    getWork: async () => works[Math.min(served++, works.length - 1)]!,
    submitWork: async (nonce: string, headerHash: string) => {
      submitted.set(headerHash, nonce);
      // The current work's seal makes block 2; the stale one changes nothing.
      if (headerHash === hash(0xb2)) blocks.set(2, header(2, nonce));
      return true;
    },
    getBlockByNumber: async (n: number) => blocks.get(n) ?? null,
  } as unknown as EthNodeClient;
  return { client, submitted };
}

/**
 * A node that serves the work of the height just sealed once more before its work of the next height (geth builds
 * its pending block on the new head a moment after the head moved).
 */
function nodeSlowToBuildOnItsHead() {
  const submitted: string[] = []; // header hashes, in order
  const blocks = new Map<number, EthBlockHeader>();
  const works: EthWorkPackage[] = [
    { headerHash: hash(0xc1), seedHash: hash(0), target: EASY, blockNumber: 1 },
    { headerHash: hash(0xc1), seedHash: hash(0), target: EASY, blockNumber: 1 }, // served again after block 1
    { headerHash: hash(0xc2), seedHash: hash(0), target: EASY, blockNumber: 2 },
  ];
  let served = 0;
  const client = {
    name: 'fake',
    getWork: async () => works[Math.min(served++, works.length - 1)]!,
    submitWork: async (nonce: string, headerHash: string) => {
      submitted.push(headerHash);
      const number = headerHash === hash(0xc1) ? 1 : 2;
      if (!blocks.has(number)) blocks.set(number, header(number, nonce));
      return true;
    },
    getBlockByNumber: async (n: number) => blocks.get(n) ?? null,
  } as unknown as EthNodeClient;
  return { client, submitted };
}

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
    expect(submitted.size).toBe(2); // the stale seal, then the one that made block 2
    expect(hashes).toEqual([hash(0x1002)]);
  });

  it('does not seal the work of the height it just sealed again (a sibling the next block would pay as an uncle)', async () => {
    const { client, submitted } = nodeSlowToBuildOnItsHead();
    const hashes = await new EtcBlockMiner(client).mine(2);
    expect(submitted).toEqual([hash(0xc1), hash(0xc2)]);
    expect(hashes).toEqual([hash(0x1001), hash(0x1002)]);
  });
});
