import type { EthBlockHeader, EthNodeClient, EthWorkPackage } from '../../adapters/rpc/eth-node-client.js';
import { ETC_CHAINS } from '../../core/coins/ethash-chains.js';
import { DaemonError } from '../../core/errors.js';
import {
  buildEtchashCache,
  type EtchashCache,
  etchashEpoch,
  hashimotoLight,
  hashValue,
} from '../../fargate/src/hashing/etchash.js';
import { sleep } from './process.js';

/** Light hashes between two turns of the event loop, so timers and sockets of the same process keep running. */
const HASHES_PER_TURN = 32;

/**
 * Mines ETC devnet blocks the way a pool's miner does, on core-geth's own work: eth_getWork, nonces hashed with the
 * light cache (~1 ms each: the devnet's difficulty is low) until the result meets the block's target, then
 * eth_submitWork with the mix. Every block pays the node's etherbase, the pool address. Returns the new blocks'
 * hashes; waits until the node's head is each one.
 */
export class EtcBlockMiner {
  private cache: EtchashCache | undefined;

  constructor(
    private readonly client: EthNodeClient,
    private readonly ecip1099Block = ETC_CHAINS.devnet.ecip1099Block,
  ) {}

  async mine(n: number): Promise<string[]> {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot mine ${n} blocks`);
    const hashes: string[] = [];
    let sealedHeight = -1;
    while (hashes.length < n) {
      const work = await this.client.getWork();
      // Work of the height just sealed: the node has not built on its new head yet. A seal of it would be a sibling
      // of that block, which the next block includes as an uncle, paying the etherbase an uncle's reward as well.
      if (work.blockNumber <= sealedHeight) {
        await sleep(10);
        continue;
      }
      const nonce = await this.seal(work);
      if (nonce === undefined) continue; // the node moved on (a new head from elsewhere): take its new work
      const block = await this.waitForHead(work.blockNumber);
      // Work the node built a head behind (a block from its peer had just arrived) seals a sibling of that block,
      // which the node may take without making it the head: the height is someone else's, so mine on the new work.
      if (block.nonce !== nonce) continue;
      hashes.push(block.hash);
      sealedHeight = work.blockNumber;
    }
    return hashes;
  }

  /** Finds a nonce for the work and submits it: the nonce, or undefined when the node refused it (stale work). */
  async seal(work: EthWorkPackage): Promise<string | undefined> {
    const { nonce, mix } = await this.solve(work);
    return (await this.client.submitWork(nonce, work.headerHash, mix)) ? nonce : undefined;
  }

  /** A nonce whose result meets the work's target, and its mix digest (0x hex, as eth_submitWork takes them). */
  async solve(work: EthWorkPackage): Promise<{ nonce: string; mix: string }> {
    const cache = await this.cacheFor(work.blockNumber);
    const header = Buffer.from(work.headerHash.slice(2), 'hex');
    const target = BigInt(work.target);
    // A random start: two miners on the same work (a test's and the pool's) do not find the same nonce.
    let nonce = BigInt.asUintN(64, BigInt(Math.floor(Math.random() * 2 ** 52)) << 12n);
    for (;;) {
      for (let i = 0; i < HASHES_PER_TURN; i++, nonce = BigInt.asUintN(64, nonce + 1n)) {
        const { mix, result } = hashimotoLight(cache, header, nonce);
        if (hashValue(result) <= target) {
          return { nonce: `0x${nonce.toString(16).padStart(16, '0')}`, mix: `0x${mix.toString('hex')}` };
        }
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  private async cacheFor(blockNumber: number): Promise<EtchashCache> {
    const epoch = etchashEpoch(blockNumber, this.ecip1099Block);
    if (this.cache?.epoch.epoch !== epoch.epoch) this.cache = await buildEtchashCache(epoch);
    return this.cache;
  }

  private async waitForHead(blockNumber: number, timeoutMs = 10_000): Promise<EthBlockHeader> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const block = await this.client.getBlockByNumber(blockNumber);
      if (block) return block;
      if (Date.now() > deadline) throw new DaemonError(`block ${blockNumber} not on ${this.client.name} after a seal`);
      await sleep(20);
    }
  }
}
