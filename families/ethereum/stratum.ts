import { ethashChain } from '../../core/coins/ethash-chains.js';
import { getCoin } from '../../core/coins/index.js';
import { blockReward } from '../../core/rewards/ecip1017.js';
import { etchashEpoch, ethashSeed } from '../../fargate/src/hashing/etchash.js';
import { EtchashCaches } from '../../fargate/src/hashing/etchash-caches.js';
import { EthJobBook } from '../../fargate/src/jobs/ethereum/job-book.js';
import type { EthWorkSource } from '../../fargate/src/jobs/ethereum/types.js';
import type { StratumDialect } from '../../fargate/src/stratum/context.js';
import { ethereumStratum } from '../../fargate/src/stratum/ethereum/ethereum-stratum.js';
import { ethProxy } from '../../fargate/src/stratum/ethereum/ethproxy.js';
import type { JobSource, JobSourceContext, StratumFamily } from '../chain-family.js';

/** The node side of an Ethereum-family coin: work in, blocks out, through its nodes with failover. */
export interface EthNodeWork extends EthWorkSource {
  /** Asks the node for work now (a new-head notification). */
  refresh(): Promise<void>;
  stop(): void;
  upstreams(): ReturnType<JobSource['upstreams']>;
}

/**
 * The Ethereum family's job source: the node's work as jobs (EthJobBook), shares checked with etchash on the light
 * caches of the head's epoch and the next (EtchashCaches, built off the event loop), and the two dialects an ETC port
 * speaks, told apart by a connection's first request: EthProxy (eth_*) and EthereumStratum/1.0.0 (mining.*).
 */
export class EthereumJobSource extends EthJobBook implements JobSource {
  readonly dialects: readonly StratumDialect[];

  constructor(
    private readonly node: EthNodeWork,
    caches: EtchashCaches,
    ctx: Pick<JobSourceContext, 'coin' | 'network' | 'log'>,
  ) {
    const chain = ethashChain(getCoin(ctx.coin.symbol), ctx.network);
    super({
      source: node,
      verify: (share) => caches.verify(share),
      advance: (block) => caches.advance(block),
      seedOf: (block) => ethashSeed(etchashEpoch(block, chain.ecip1099Block).seedEpoch).toString('hex'),
      reward: (block) => blockReward(block, chain.eraRounds),
      log: ctx.log,
    });
    this.dialects = [ethProxy(this), ethereumStratum(this)];
  }

  refresh(): Promise<void> {
    return this.node.refresh();
  }

  override stop(): void {
    super.stop();
    this.node.stop();
  }

  upstreams(): ReturnType<JobSource['upstreams']> {
    return this.node.upstreams();
  }
}

/**
 * The Ethereum family's mining front on a node-work source (`startNode`: the coin's nodes with failover, resolved once
 * it has work). Resolves once the first job exists and its epoch's cache is built, so the first shares are checked.
 */
export function ethereumJobSource(startNode: (ctx: JobSourceContext) => Promise<EthNodeWork>): StratumFamily {
  return {
    startJobs: async (ctx) => {
      const chain = ethashChain(getCoin(ctx.coin.symbol), ctx.network);
      const caches = new EtchashCaches({
        ecip1099Block: chain.ecip1099Block,
        onBuildError: (err, epoch) => ctx.log.error({ err, epoch: epoch.epoch }, 'etchash cache build failed'),
      });
      const node = await startNode(ctx);
      const jobs = new EthereumJobSource(node, caches, ctx);
      try {
        const first = jobs.current();
        if (!first) throw new Error(`${ctx.coin.symbol}: the node gave no usable work`);
        await caches.whenReady(first.height);
      } catch (err) {
        jobs.stop();
        throw err;
      }
      return jobs;
    },
  };
}
