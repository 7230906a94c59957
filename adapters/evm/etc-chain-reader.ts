import { type EthHeaderJson, sealHash } from '../../core/chain/eth-header.js';
import type { EthashChain } from '../../core/coins/ethash-chains.js';
import { DaemonError } from '../../core/errors.js';
import type { BlockSighting, ChainReader } from '../../core/ports/chain-reader.js';
import { blockIncome, MAX_UNCLE_DEPTH, uncleReward } from '../../core/rewards/ecip1017.js';
import type { EvmRpc } from './evm-payout-sender.js';

interface RpcBlock extends EthHeaderJson {
  uncles: string[];
  transactions: Array<string | { hash: string; gasPrice?: string }>;
}

interface RpcReceipt {
  gasUsed: string;
  effectiveGasPrice?: string;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * The Ethereum family's chain reader (ETC on core-geth), over raw JSON-RPC (uncached). The pool knows a block it
 * found by its seal hash, the header hash eth_getWork handed out (FoundBlock.hash); a chain block's seal hash is
 * computed from its header (core/chain/eth-header.ts). A found block at height h is:
 *  - in the chain when the main-chain block at h has its seal hash: paid the era's block reward, 1/32 of it per
 *    uncle it included and the fees its transactions paid (receipts: gasUsed × effective gas price);
 *  - an uncle when one of the blocks h+1 … h+7 included an uncle with its seal hash: paid the uncle reward of
 *    ECIP-1017, counted from the including block;
 *  - unseen until the chain is MAX_UNCLE_DEPTH past it (until then it may still become an uncle), then absent.
 * Only what went to the pool address counts: a block whose miner (etherbase) is another address paid the pool 0.
 */
export class EtcChainReader implements ChainReader {
  private readonly pool: string;

  constructor(
    private readonly rpc: EvmRpc,
    poolAddress: string,
    private readonly chain: EthashChain,
  ) {
    this.pool = poolAddress.toLowerCase();
  }

  async getBlockCount(): Promise<number> {
    return Number(await this.call<string>('eth_blockNumber', []));
  }

  async locate(block: { height: number; hash: string }, tip: number): Promise<BlockSighting> {
    if (tip < block.height + MAX_UNCLE_DEPTH) return { place: 'unseen', confirmations: 0 };
    // The pool records it as share batches carry hashes (64 hex digits); sealHash answers 0x-prefixed.
    const ours = `0x${block.hash.toLowerCase().replace(/^0x/, '')}`;
    const at = await this.blockAt(block.height, false);
    if (sealHash(at) === ours) {
      const reward = this.paysPool(at) ? await this.income(await this.blockAt(block.height, true)) : 0n;
      return { place: 'chain', confirmations: tip - block.height + 1, reward };
    }
    for (let n = block.height + 1; n <= Math.min(block.height + MAX_UNCLE_DEPTH, tip); n++) {
      const includer = await this.blockAt(n, false);
      for (let i = 0; i < includer.uncles.length; i++) {
        const uncle = await this.call<EthHeaderJson | null>('eth_getUncleByBlockNumberAndIndex', [hex(n), hex(i)]);
        if (!uncle || Number(uncle.number) !== block.height || sealHash(uncle) !== ours) continue;
        const reward = this.paysPool(uncle) ? uncleReward(block.height, n, this.chain.eraRounds) : 0n;
        return { place: 'uncle', confirmations: tip - n + 1, reward };
      }
    }
    return { place: 'absent', confirmations: -1 };
  }

  async blockValue(height: number): Promise<{ value: bigint; difficulty: number }> {
    const block = await this.blockAt(height, true);
    return { value: await this.income(block), difficulty: Number(BigInt(block.difficulty)) };
  }

  /** What the block paid its miner: reward, inclusion rewards, the fees of its transactions. */
  private async income(block: RpcBlock): Promise<bigint> {
    let fees = 0n;
    for (const tx of block.transactions) {
      if (typeof tx === 'string') throw new DaemonError(`block ${Number(block.number)}: transactions without bodies`);
      const receipt = await this.call<RpcReceipt | null>('eth_getTransactionReceipt', [tx.hash]);
      if (!receipt) throw new DaemonError(`no receipt for ${tx.hash} of block ${Number(block.number)}`);
      const price = receipt.effectiveGasPrice ?? tx.gasPrice;
      if (price === undefined) throw new DaemonError(`no gas price for ${tx.hash}`);
      fees += BigInt(receipt.gasUsed) * BigInt(price);
    }
    const height = Number(block.number);
    return blockIncome(height, this.chain.eraRounds, block.uncles.length, fees);
  }

  private paysPool(header: EthHeaderJson): boolean {
    return header.miner.toLowerCase() === this.pool;
  }

  private async blockAt(height: number, full: boolean): Promise<RpcBlock> {
    const block = await this.call<RpcBlock | null>('eth_getBlockByNumber', [hex(height), full]);
    if (!block) throw new DaemonError(`the node has no block ${height} below its tip`);
    return block;
  }

  private async call<T>(method: string, params: unknown[]): Promise<T> {
    try {
      return (await this.rpc.send(method, params)) as T;
    } catch (err) {
      if (err instanceof DaemonError) throw err;
      throw new DaemonError(`${method}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }
}
