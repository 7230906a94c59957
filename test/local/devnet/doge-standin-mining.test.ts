import { scryptSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAuxPow } from '../../../core/auxpow/auxpow.js';
import { hashToBigInt, sha256d } from '../../../core/chain/hash.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import { type BlockTemplate, parseBlockTemplate } from '../../../core/chain/template.js';
import { assembleBlock, buildWork, solveWork } from '../../../core/chain/work.js';
import { addressToOutputScript } from '../../../core/coins/address.js';
import { getCoin } from '../../../core/coins/registry.js';
import { parseConfig } from '../../../core/config/load.js';
import { bitcoinJobs, bitcoinStratum } from '../../../families/bitcoin/stratum.js';
import type { JobSource } from '../../../families/chain-family.js';
import { startCoinService } from '../../../fargate/src/coin-service.js';
import { createMemoryMetrics } from '../../../fargate/src/stratum/metrics.js';
import { AUX_VERSION, BLOCK_SUBSIDY } from '../../../local/devnet/doge-standin/params.js';
import { mineSubmission } from '../../fargate/jobs/devnet-jobs.js';
import { recordingLogger } from '../../fargate/jobs/fakes.js';
import { MemoryShareQueue, silentLog } from '../../fargate/stratum/fakes.js';
import { dogeSoloCoin, goodAuxPow, withDogeStandin } from '../../helpers/doge-standin.js';
import { TestMiner } from '../../helpers/test-miner.js';

const DOGE = getCoin('DOGE');
/** The test's own scrypt (node:crypto), independent of the pool's and the stand-in's hashing. */
const scryptValue = (header: Buffer) => hashToBigInt(scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 }));

/**
 * DOGE mined on its own on the stand-in DOGE node (a stand-in of ours for dogecoind, devnet only): getblocktemplate as
 * Dogecoin Core 1.14 answers it, the pool's own Bitcoin-family job manager making jobs from it, blocks found by a
 * test miner accepted through submitblock, and each kind of bad block answered with Core's BIP22 reason.
 */
describe('DOGE mined on its own on the stand-in (getblocktemplate, submitblock)', () => {
  // The stand-in's clock runs `skew` ms ahead: a mempool change makes a new template only once the last is 5 s old.
  let skew = 0;
  const net = withDogeStandin({ now: () => Date.now() + skew });
  const doge = () => net.get();
  const rpc = () => doge().client;
  const gbt = (request: Record<string, unknown> = { rules: [] }) =>
    rpc().call<Record<string, unknown>>('getblocktemplate', [request]);
  const template = async () => parseBlockTemplate(await gbt());
  const submit = (hex: string) => rpc().call<string | null>('submitblock', [hex]);
  const config = (longPoll = false) => parseConfig({ coins: [dogeSoloCoin(doge(), { longPoll })] });

  let jobs: JobSource | undefined;
  beforeAll(async () => {
    const c = config();
    jobs = await bitcoinStratum.startJobs({
      config: c,
      coin: c.coins[0]!,
      network: 'regtest',
      extranonce1Size: 4,
      log: recordingLogger(),
      now: Date.now,
    });
  });
  afterAll(() => jobs?.stop());
  const manager = () => bitcoinJobs(jobs!);

  /** Shares of the newest job until one is a DOGE block; the verdict. */
  const mineBlock = async (versionBits?: string) => {
    await manager().refresh();
    const job = manager().current()!;
    for (let n = 1; n < 64; n++) {
      const o = { extranonce1: '0badc0de', extranonce2: n.toString(16).padStart(8, '0'), difficulty: 0.00001 };
      const version =
        versionBits && ((Number.parseInt(job.version, 16) & ~0x1fffe000) | Number.parseInt(versionBits, 16)) >>> 0;
      const { share } = mineSubmission(
        { ...job, ...(version && { version: version.toString(16).padStart(8, '0') }) },
        { ...o, miner: doge().minerAddress, worker: 'w' },
      );
      const verdict = await manager().checkShare({ ...share, ...(versionBits && { versionBits }) });
      if (verdict.ok && verdict.block) return verdict;
    }
    throw new Error('no DOGE block in 64 shares');
  };

  /**
   * A block from a template paying the pool address, as a miner builds one (core/chain/work), its header changed by
   * `edit` and then ground with scrypt to meet (or miss) the bits.
   */
  const blockFrom = (
    t: BlockTemplate,
    o: { version?: number; ntime?: number; pow?: 'meet' | 'miss'; edit?: (header: Buffer) => void } = {},
  ) => {
    const script = addressToOutputScript(DOGE, 'regtest', doge().poolAddress);
    const work = buildWork(t, { script, tag: Buffer.from('/test/'), extranonce1Size: 4, extranonce2Size: 4 });
    const solution = { extranonce1: '00000001', extranonce2: '00000000', ntime: o.ntime ?? t.curtime, nonce: 0 };
    const { coinbase, header } = solveWork(work, { ...solution, version: o.version ?? t.version });
    o.edit?.(header);
    const target = bitsToTarget(t.bits);
    for (let nonce = 0; scryptValue(header) <= target !== ((o.pow ?? 'meet') === 'meet'); nonce++) {
      header.writeUInt32LE(nonce, 76);
    }
    return { header, hex: assembleBlock(work, coinbase, header).toString('hex') };
  };

  it('answers getblocktemplate as Dogecoin 1.14: chain id 98 without the AuxPoW flag, BIP22 fields, no segwit', async () => {
    const info = await rpc().getBlockchainInfo();
    const raw = await gbt();
    expect(raw).toMatchObject({
      capabilities: ['proposal'],
      version: 0x00620004,
      rules: [],
      vbavailable: {},
      vbrequired: 0,
      previousblockhash: info.bestblockhash,
      transactions: [],
      coinbaseaux: { flags: '' },
      coinbasevalue: Number(BLOCK_SUBSIDY),
      target: bitsToTarget(0x207fffff).toString(16).padStart(64, '0'),
      mintime: (info as unknown as { mediantime: number }).mediantime + 1,
      mutable: ['time', 'transactions', 'prevblock'],
      noncerange: '00000000ffffffff',
      sigoplimit: 20_000,
      sizelimit: 1_000_000,
      bits: '207fffff',
      height: info.blocks + 1,
    });
    expect(raw.longpollid).toMatch(new RegExp(`^${info.bestblockhash}\\d+$`));
    expect(raw.curtime as number).toBeGreaterThanOrEqual(raw.mintime as number);
    expect(raw).not.toHaveProperty('default_witness_commitment');
    // Segwit never activates under Dogecoin's fixed version: a client listing it, or none, gets the same template.
    for (const other of [
      await gbt({ rules: ['segwit'] }),
      await rpc().call<Record<string, unknown>>('getblocktemplate', []),
    ]) {
      expect(other).toMatchObject({ version: 0x00620004, rules: [], previousblockhash: info.bestblockhash });
      expect(other).not.toHaveProperty('default_witness_commitment');
    }
    expect(parseBlockTemplate(raw)).toMatchObject({ version: 0x00620004, bits: 0x207fffff, height: info.blocks + 1 });
    await expect(gbt({ mode: 'mine' })).rejects.toMatchObject({
      rpcCode: -8,
      message: expect.stringMatching(/Invalid mode/),
    });
    await expect(gbt({ mode: 'proposal' })).rejects.toMatchObject({ rpcCode: -3 });
    await expect(rpc().call('getblocktemplate', ['segwit'])).rejects.toMatchObject({ rpcCode: -1 });
  });

  it("gives the pool's job manager DOGE jobs, and a block its share check finds is accepted and kept on disk", async () => {
    const height = await rpc().getBlockCount();
    const job = manager().current()!;
    expect(job).toMatchObject({ version: '00620004', nbits: '207fffff' });
    const found = await mineBlock();
    expect(found.block).toMatchObject({
      height: height + 1,
      submitResult: 'accepted',
      reward: BLOCK_SUBSIDY.toString(),
    });
    expect(await rpc().getBestBlockHash()).toBe(found.block!.hash);
    const block = await rpc().getBlock<{
      versionHex: string;
      tx: Array<{ vout: Array<{ value: number; scriptPubKey: { addresses: string[] } }> }>;
    }>(found.block!.hash, 2);
    expect(block.versionHex).toBe('00620004');
    expect(block.tx[0]!.vout[0]).toMatchObject({ value: 10_000, scriptPubKey: { addresses: [doge().poolAddress] } });
    // Persisted as every block: the last line of blocks.dat is this block.
    const lines = (await readFile(join(net.dataDir(), 'devnet/doge/blocks.dat'), 'utf8')).trim().split('\n');
    expect(lines.at(-1)).toBe(await rpc().getBlock<string>(found.block!.hash, 0));
  });

  it('puts a wallet payment in the template with its fee, and the block the pool mines carries it', async () => {
    const txid = await rpc().call<string>('sendmany', ['', { [doge().minerAddress]: 5 }]);
    skew += 6_000; // past Core's 5 s template cache
    const t = await gbt();
    const entry = (t.transactions as Array<{ txid: string; fee: number; data: string; hash: string }>)[0]!;
    expect(entry).toMatchObject({ txid, hash: txid, depends: [] });
    expect(entry.fee).toBeGreaterThan(0);
    expect(t.coinbasevalue).toBe(Number(BLOCK_SUBSIDY) + entry.fee);
    const found = await mineBlock();
    expect(found.block).toMatchObject({ submitResult: 'accepted', reward: String(Number(BLOCK_SUBSIDY) + entry.fee) });
    const block = await rpc().getBlock<{ tx: string[] }>(found.block!.hash, 1);
    expect(block.tx).toHaveLength(2);
    expect(block.tx[1]).toBe(txid);
    expect(await rpc().call('gettransaction', [txid])).toMatchObject({
      confirmations: 1,
      blockhash: found.block!.hash,
    });
    expect(await rpc().call('getrawmempool')).toEqual([]);
  });

  /** Each fault: what it changes (the template, or how the block is built from it) and Core's reason. */
  const refusals: Array<[string, (t: BlockTemplate) => Parameters<typeof blockFrom>, string]> = [
    ['a header whose scrypt misses its bits', (t) => [t, { pow: 'miss' }], 'high-hash'],
    ['a wrong merkle root', (t) => [t, { edit: (h) => h.writeUInt8(h[40]! ^ 1, 40) }], 'bad-txnmrklroot'],
    [
      'an unknown previous block',
      (t) => [{ ...t, previousblockhash: sha256d(Buffer.from('?')).toString('hex') }],
      'bad-prevblk',
    ],
    [
      'a coinbase paying one unit more than subsidy + fees',
      (t) => [{ ...t, coinbasevalue: t.coinbasevalue + 1n }],
      'bad-cb-amount',
    ],
    ['a version without the chain id', (t) => [t, { version: 4 }], 'high-hash'],
    ['a coinbase with the wrong BIP34 height', (t) => [{ ...t, height: t.height + 1 }], 'bad-cb-height'],
    ['a time not after the median of the last 11 blocks', (t) => [t, { ntime: t.mintime! - 1 }], 'time-too-old'],
  ];

  it.each(refusals)('refuses %s with the BIP22 reason, the chain unchanged', async (_, fault, reason) => {
    const t = await template();
    expect(await submit(blockFrom(...fault(t)).hex)).toBe(reason);
    expect(await rpc().getBestBlockHash()).toBe(t.previousblockhash);
    // The same template solved properly still goes in: only the fault was refused.
    expect(await submit(blockFrom(t).hex)).toBeNull();
  });

  it('refuses a block with the AuxPoW flag and no AuxPoW as undecodable (-22), as Dogecoin reads the flag', async () => {
    const t = await template();
    const { hex } = blockFrom(t, { version: AUX_VERSION });
    await expect(submit(hex)).rejects.toMatchObject({
      rpcCode: -22,
      message: expect.stringMatching(/Block decode failed/),
    });
    await expect(submit('00zz')).rejects.toMatchObject({ rpcCode: -22 });
    expect(await rpc().getBestBlockHash()).toBe(t.previousblockhash);
  });

  it('takes a block with the AuxPoW flag and a proof through submitblock, refusing one whose parent misses the target', async () => {
    const t = await template();
    const { header, hex } = blockFrom(t, { version: AUX_VERSION });
    // What createauxblock would have answered for this block (its hash and little-endian target).
    const aux = {
      hash: Buffer.from(sha256d(header)).reverse().toString('hex'),
      chainid: 98,
      previousblockhash: t.previousblockhash,
      coinbasevalue: Number(t.coinbasevalue),
      bits: '207fffff',
      height: t.height,
      target: Buffer.from(t.target, 'hex').reverse().toString('hex'),
    };
    const withProof = (want: 'meet' | 'miss') =>
      Buffer.concat([header, encodeAuxPow(goodAuxPow(aux, want)), Buffer.from(hex, 'hex').subarray(80)]).toString(
        'hex',
      );
    expect(await submit(withProof('miss'))).toBe('high-hash');
    expect(await rpc().getBestBlockHash()).toBe(t.previousblockhash);
    expect(await submit(withProof('meet'))).toBeNull();
    const block = await rpc().getBlock<{ versionHex: string; auxpow?: unknown }>(await rpc().getBestBlockHash(), 1);
    expect(block.versionHex).toBe('00620104');
    expect(block.auxpow).toBeDefined();
  });

  it('answers duplicate for a block it has, inconclusive for a valid block on an older block (not kept), then duplicate', async () => {
    const older = await template();
    const first = blockFrom(older);
    expect(await submit(first.hex)).toBeNull();
    expect(await submit(first.hex)).toBe('duplicate');
    const tip = await rpc().getBestBlockHash();
    // Another block on the same previous block: a side branch of equal work, which Core stores but does not follow.
    const side = blockFrom({ ...older, curtime: older.curtime + 1 });
    expect(await submit(side.hex)).toBe('inconclusive');
    expect(await submit(side.hex)).toBe('duplicate');
    expect(await rpc().getBestBlockHash()).toBe(tip);
  });

  it('answers a long poll when the tip changes, not before', async () => {
    const { longpollid } = await gbt();
    let answered = false;
    const waiting = gbt({ rules: [], longpollid }).then((t) => {
      answered = true;
      return t;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    const [hash] = await doge().mine(1);
    expect((await waiting).previousblockhash).toBe(hash);
  });

  it("never lets a BIP310 miner's rolled bits reach DOGE's chain id: its job source rolls only 0x0000e000", async () => {
    // BIP320's 0x1fffe000 covers bits 16–28, where DOGE's chain id lives: a block rolled there is refused (high-hash),
    // lost without a word. The job source narrows the mask (mining.configure grants the port's mask ∩ this), and a
    // bit outside it is never put into the header the pool builds: the block keeps the chain id and is accepted.
    expect(manager().versionMask).toBe(0x0000e000);
    const height = await rpc().getBlockCount();
    const found = await mineBlock('00010000');
    expect(found.block!.submitResult).toBe('accepted');
    expect(await rpc().getBlockCount()).toBe(height + 1);
    const header = await rpc().call<{ version: number }>('getblockheader', [found.block!.hash]);
    expect(header.version >>> 16).toBe(0x62);
  });

  it("mines a DOGE block through the pool's stratum with the test miner", async () => {
    const c = config(true);
    const shares = new MemoryShareQueue();
    const service = await startCoinService({
      config: c,
      coin: c.coins[0]!,
      shares,
      log: silentLog,
      metrics: createMemoryMetrics(),
    });
    try {
      const height = await rpc().getBlockCount();
      const miner = await TestMiner.connect(service.ports[0]!, doge().minerAddress);
      expect(miner.job()).toMatchObject({ version: '00620004', nbits: '207fffff' });
      expect(await miner.submitOne('block')).toBe(true);
      miner.close();
      expect(await rpc().getBlockCount()).toBe(height + 1);
      await expect
        .poll(() => shares.shares.find((s) => s.block)?.block)
        .toMatchObject({ height: height + 1, submitResult: 'accepted' });
      const hash = await rpc().getBestBlockHash();
      expect(shares.shares.find((s) => s.block)!.block!.hash).toBe(hash);
    } finally {
      await service.stop();
    }
  });
});
