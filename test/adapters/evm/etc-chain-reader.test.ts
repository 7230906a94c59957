import { encodeRlp, keccak256, toBeArray } from 'ethers';
import { describe, expect, it } from 'vitest';
import { EtcChainReader } from '../../../adapters/evm/etc-chain-reader.js';
import type { EthHeaderJson } from '../../../core/chain/eth-header.js';
import { sealHash } from '../../../core/chain/eth-header.js';
import { DaemonError } from '../../../core/errors.js';
import { blockReward, uncleReward } from '../../../core/rewards/ecip1017.js';

const POOL = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const OTHER = '0x00000000000000000000000000000000000000aa';
const ERA = 10; // eras of 10 blocks: heights 1–10 era 0, 11–20 era 1
const CHAIN = { chainId: 6161, ecip1099Block: 0, eraRounds: ERA };
const h32 = (n: number) => `0x${n.toString(16).padStart(64, '0')}`;
const q = (n: number | bigint) => `0x${n.toString(16)}`;

interface Tx {
  hash: string;
  gasPrice: string;
  gasUsed: bigint;
  effective?: bigint;
}
interface Block extends EthHeaderJson {
  uncles: string[];
  transactions: Tx[];
  uncleHeaders: EthHeaderJson[];
}

/** A header whose hash is what its fields hash to (keccak of the RLP with the seal), as a node would serve it. */
function header(number: number, miner: string, salt: number): EthHeaderJson {
  const h: Omit<EthHeaderJson, 'hash'> = {
    parentHash: h32(salt),
    sha3Uncles: h32(1),
    miner,
    stateRoot: h32(2),
    transactionsRoot: h32(3),
    receiptsRoot: h32(4),
    logsBloom: `0x${'00'.repeat(256)}`,
    difficulty: q(131_072 + salt),
    number: q(number),
    gasLimit: q(8_000_000),
    gasUsed: q(21_000),
    timestamp: q(1_700_000_000 + number),
    extraData: '0x',
    mixHash: h32(1000 + salt),
    nonce: `0x${salt.toString(16).padStart(16, '0')}`,
  };
  const fields = [
    h.parentHash,
    h.sha3Uncles,
    h.miner,
    h.stateRoot,
    h.transactionsRoot,
    h.receiptsRoot,
    h.logsBloom,
    toBeArray(BigInt(h.difficulty)),
    toBeArray(BigInt(h.number)),
    toBeArray(BigInt(h.gasLimit)),
    toBeArray(BigInt(h.gasUsed)),
    toBeArray(BigInt(h.timestamp)),
    h.extraData,
    h.mixHash,
    h.nonce,
  ];
  return { ...h, hash: keccak256(encodeRlp(fields)) };
}

/** A main chain of `tip` blocks by OTHER, served over JSON-RPC as core-geth answers. */
class FakeNode {
  readonly blocks = new Map<number, Block>();
  constructor(readonly tip: number) {
    for (let n = 1; n <= tip; n++)
      this.blocks.set(n, { ...header(n, OTHER, n), uncles: [], uncleHeaders: [], transactions: [] });
  }
  put(n: number, h: EthHeaderJson, transactions: Tx[] = []) {
    this.blocks.set(n, { ...h, uncles: [], uncleHeaders: [], transactions });
  }
  includeUncle(at: number, uncle: EthHeaderJson) {
    const b = this.blocks.get(at)!;
    b.uncles.push(uncle.hash);
    b.uncleHeaders.push(uncle);
  }
  async send(method: string, params: unknown[]): Promise<unknown> {
    const n = Number(params[0]);
    const b = this.blocks.get(n);
    switch (method) {
      case 'eth_blockNumber':
        return q(this.tip);
      case 'eth_getBlockByNumber':
        if (!b) return null;
        return {
          ...b,
          transactions: params[1]
            ? b.transactions.map(({ hash, gasPrice }) => ({ hash, gasPrice }))
            : b.transactions.map((t) => t.hash),
        };
      case 'eth_getUncleByBlockNumberAndIndex':
        return b?.uncleHeaders[Number(params[1])] ?? null;
      case 'eth_getTransactionReceipt': {
        const tx = [...this.blocks.values()].flatMap((x) => x.transactions).find((t) => t.hash === params[0]);
        if (!tx) return null;
        return {
          gasUsed: q(tx.gasUsed),
          ...(tx.effective === undefined ? {} : { effectiveGasPrice: q(tx.effective) }),
        };
      }
      default:
        throw new Error(`unexpected ${method}`);
    }
  }
}

describe('EtcChainReader (blocks and uncles of the pool on an ETC chain)', () => {
  it('finds the pool block in the chain by its seal hash once the uncle window has passed, paid reward + 1/32 per uncle + fees', async () => {
    const node = new FakeNode(20);
    const ours = header(12, POOL, 500);
    node.put(12, ours, [
      { hash: h32(77), gasPrice: q(2_000_000_000), gasUsed: 21_000n },
      { hash: h32(78), gasPrice: q(5), gasUsed: 50_000n, effective: 3n },
    ]);
    node.includeUncle(12, header(11, OTHER, 600));
    const reader = new EtcChainReader(node, POOL.toLowerCase(), CHAIN);
    const found = { height: 12, hash: sealHash(ours) };
    expect(await reader.locate(found, 18)).toEqual({ place: 'unseen', confirmations: 0 });
    const seen = await reader.locate(found, 20);
    const fees = 21_000n * 2_000_000_000n + 50_000n * 3n;
    expect(seen).toEqual({
      place: 'chain',
      confirmations: 9,
      reward: blockReward(12, ERA) + blockReward(12, ERA) / 32n + fees,
    });
    expect(seen.reward).toBe(4n * 10n ** 18n + 125n * 10n ** 15n + fees); // era 1: 4 ETC + 0.125
    // as the pool records a found block (a share batch's hash: 64 hex digits, no 0x): the same block
    expect(await reader.locate({ height: 12, hash: found.hash.slice(2) }, 20)).toEqual(seen);
    expect(await reader.blockValue(12)).toEqual({ value: seen.reward, difficulty: 131_072 + 500 });
  });

  it('finds the pool block as an uncle of a later block and pays the ECIP-1017 uncle reward for that era', async () => {
    const node = new FakeNode(30);
    const eraOne = header(14, POOL, 700); // included at 16: era 1, reward / 32 = 0.125 ETC
    node.includeUncle(16, eraOne);
    const eraZero = header(4, POOL, 800); // included at 6: era 0, (8 − 2) / 8 × 5 ETC
    node.includeUncle(6, eraZero);
    const reader = new EtcChainReader(node, POOL, CHAIN);
    expect(await reader.locate({ height: 14, hash: sealHash(eraOne) }, 30)).toEqual({
      place: 'uncle',
      confirmations: 15,
      reward: 125n * 10n ** 15n,
    });
    const zero = await reader.locate({ height: 4, hash: sealHash(eraZero) }, 30);
    expect(zero).toEqual({ place: 'uncle', confirmations: 25, reward: (6n * 5n * 10n ** 18n) / 8n });
    expect(zero.reward).toBe(uncleReward(4, 6, ERA));
  });

  it('says absent for a block neither in the chain nor an uncle, and pays 0 for one whose etherbase is not the pool', async () => {
    const node = new FakeNode(30);
    const reader = new EtcChainReader(node, POOL, CHAIN);
    expect(await reader.locate({ height: 10, hash: h32(9999) }, 30)).toEqual({ place: 'absent', confirmations: -1 });
    const misdirected = header(20, OTHER, 900);
    node.put(20, misdirected);
    expect(await reader.locate({ height: 20, hash: sealHash(misdirected) }, 30)).toMatchObject({
      place: 'chain',
      reward: 0n,
    });
  });

  it('turns a node error or a missing block into a DaemonError (the pass changes nothing)', async () => {
    const reader = new EtcChainReader({ send: async () => Promise.reject(new Error('ECONNREFUSED')) }, POOL, CHAIN);
    await expect(reader.getBlockCount()).rejects.toThrow(DaemonError);
    const node = new FakeNode(5);
    node.blocks.delete(3);
    await expect(new EtcChainReader(node, POOL, CHAIN).blockValue(3)).rejects.toThrow(/no block 3/);
  });
});
