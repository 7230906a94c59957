import { getCoin, validateAddress } from '../../../../core/coins/index.js';
import { blockReward } from '../../../../core/rewards/ecip1017.js';
import { EtchashCaches } from '../../../../fargate/src/hashing/etchash-caches.js';
import { EthJobBook } from '../../../../fargate/src/jobs/ethereum/job-book.js';
import type { StratumServerOptions } from '../../../../fargate/src/stratum/context.js';
import { ethereumStratum } from '../../../../fargate/src/stratum/ethereum/ethereum-stratum.js';
import { ethProxy } from '../../../../fargate/src/stratum/ethereum/ethproxy.js';
import { ExtranonceAllocator, type ExtranonceLane } from '../../../../fargate/src/stratum/extranonce.js';
import { createMemoryMetrics } from '../../../../fargate/src/stratum/metrics.js';
import { StratumServer } from '../../../../fargate/src/stratum/server.js';
import { FakeEthNode, TINY_EPOCH, TINY_SEED, tinyCache } from '../../../helpers/eth-miner.js';
import { MemoryShareQueue, options, RecordingLogger } from '../fakes.js';
import type { PairClient } from '../pair-client.js';
import { serveTcp } from '../tcp-harness.js';

export const ETC = getCoin('ETC');
/** An EIP-55 address (the canonical spelling the pool keeps) and its worker name. */
export const ETC_ADDRESS = '0x52908400098527886E0F7030069857D2E4169EE7';

/**
 * The ETC port as the Ethereum family builds it: EthProxy and EthereumStratum/1.0.0 on one StratumServer behind
 * listenStratum on 127.0.0.1, over a job book on an in-memory node and the real etchash (tiny test-mode epoch). The
 * share difficulty starts at 2 hashes (never 1 on EthProxy: its boundary would not fit 32 bytes).
 */
export async function startEtcPort(
  onCleanup: (fn: () => Promise<void> | void) => void,
  o: {
    over?: Partial<StratumServerOptions>;
    proxyProtocol?: boolean;
    lane?: ExtranonceLane;
    maxSharesPerHead?: number;
  } = {},
) {
  const node = new FakeEthNode();
  node.publish(1, 100);
  const caches = new EtchashCaches({ ecip1099Block: 0, epochOf: () => TINY_EPOCH, build: async () => tinyCache() });
  const log = new RecordingLogger();
  const book = new EthJobBook({
    source: node,
    verify: (share) => caches.verify(share),
    advance: (block) => caches.advance(block),
    seedOf: () => TINY_SEED,
    reward: (block) => blockReward(block, 5_000_000),
    log,
    ...(o.maxSharesPerHead !== undefined && { maxSharesPerHead: o.maxSharesPerHead }),
  });
  await caches.whenReady(100);
  const queue = new MemoryShareQueue();
  const metrics = createMemoryMetrics();
  const server = new StratumServer({
    options: options({
      coin: ETC,
      network: 'devnet',
      difficulty: {
        initial: 2,
        min: 2,
        max: 2 ** 40,
        targetShareSeconds: 10,
        retargetSeconds: 60,
        variancePercent: 30,
      },
      ...o.over,
    }),
    jobs: book,
    dialects: [ethProxy(book), ethereumStratum(book)],
    shares: queue,
    // As startCoinService builds it: the task's prefix (over.instancePrefix), this process's lane of its counters.
    ...(o.lane && {
      extranonces: new ExtranonceAllocator(book.extranonce1Size, o.over?.instancePrefix ?? '', undefined, o.lane),
    }),
    validateAddress: (a) => validateAddress(ETC, 'devnet', a),
    log,
    metrics,
  });
  onCleanup(() => book.stop());
  const tcp = await serveTcp(server, log, onCleanup, o.proxyProtocol ?? false);
  return { node, book, server, queue, metrics, log, ...tcp };
}

/**
 * An EthProxy request line, as miners send it (JSON-RPC 2.0), and its answer: the next message with its id (pushed
 * work, id 0, may come in between).
 */
export async function ethRequest(c: PairClient, id: number, method: string, params: unknown[], extra: object = {}) {
  const from = c.messages.length;
  c.raw(`${JSON.stringify({ id, jsonrpc: '2.0', method, params, ...extra })}\n`);
  const answer = () => c.messages.slice(from).find((m) => m.id === id && m.method === undefined);
  await c.waitFor(() => answer() !== undefined, `the answer to ${method} #${id}`);
  return answer()!;
}
