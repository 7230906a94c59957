import { DaemonError } from '../../core/errors.js';
import { parseAmount } from '../../core/ledger/payouts.js';
import type { BlockSighting, ChainReader } from '../../core/ports/chain-reader.js';

/** What a bitcoind-like daemon answers that the reader uses (DaemonClient satisfies it). */
export interface BlockDaemon {
  getBlockCount(): Promise<number>;
  getBlockHash(height: number): Promise<string>;
  getBlock<T>(hash: string, verbosity: 2): Promise<T>;
}

interface DaemonBlock {
  confirmations: number;
  difficulty: number;
  /** `value`: a JSON number of coins, or the exact decimal string DaemonClient decodes from a boolean-only node. */
  tx: { vout: { value: number | string; scriptPubKey: { address?: string; addresses?: string[]; hex?: string } }[] }[];
}

/**
 * The Bitcoin family's chain reader: a found block is looked up by hash (`confirmations` -1: out of the main chain;
 * RPC -5: unknown to the node), and paid what its coinbase pays the pool address; a round is priced at its block's
 * whole coinbase value and difficulty. An output pays the pool when its script is the pool address's script
 * (`poolScript`, hex), or when the node names the address (`address` in Core 22+ and btcd, `addresses` in older
 * Cores and Dogecoin Core 1.14).
 */
export class BitcoinChainReader implements ChainReader {
  constructor(
    private readonly daemon: BlockDaemon,
    private readonly poolAddress: string,
    private readonly decimals: number,
    private readonly poolScript?: string,
  ) {}

  getBlockCount(): Promise<number> {
    return this.daemon.getBlockCount();
  }

  async locate(block: { hash: string }): Promise<BlockSighting> {
    let found: DaemonBlock;
    try {
      found = await this.daemon.getBlock<DaemonBlock>(block.hash, 2);
    } catch (err) {
      // -5: "Block not found"; anything else is the daemon failing: the pass stops and changes nothing.
      if (err instanceof DaemonError && err.rpcCode === -5) return { place: 'unseen', confirmations: 0 };
      throw err;
    }
    if (found.confirmations < 0) return { place: 'absent', confirmations: -1 };
    return {
      place: 'chain',
      confirmations: found.confirmations,
      reward: chainReward(found, { address: this.poolAddress, script: this.poolScript }, this.decimals),
    };
  }

  async blockValue(height: number): Promise<{ value: bigint; difficulty: number }> {
    const block = await this.daemon.getBlock<DaemonBlock>(await this.daemon.getBlockHash(height), 2);
    const value = (block.tx[0]?.vout ?? []).reduce((s, o) => s + parseAmount(o.value, this.decimals), 0n);
    return { value, difficulty: block.difficulty };
  }
}

/** Σ coinbase outputs paying the pool address. */
export function chainReward(
  block: Pick<DaemonBlock, 'tx'>,
  pool: { address: string; script?: string },
  decimals: number,
): bigint {
  let total = 0n;
  for (const o of block.tx[0]?.vout ?? []) {
    const { address, addresses, hex } = o.scriptPubKey;
    const pays = address === pool.address || addresses?.includes(pool.address) || (pool.script && hex === pool.script);
    if (pays) total += parseAmount(o.value, decimals);
  }
  return total;
}
