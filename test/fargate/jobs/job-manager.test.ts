import { Block, Transaction } from 'bitcoinjs-lib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bigIntToHash, reverseHex, sha256d } from '../../../core/chain/hash.js';
import { bitsToDifficulty, bitsToTarget, difficultyToTarget, targetToDifficulty } from '../../../core/chain/target.js';
import { getCoin } from '../../../core/coins/index.js';
import { InvalidAddressError } from '../../../core/errors.js';
import { scryptBatch, turnHasher } from '../../../fargate/src/hashing/index.js';
import { TurnBatchHasher } from '../../../fargate/src/hashing/turn-batch.js';
import type { JobManager, JobManagerOptions } from '../../../fargate/src/jobs/job-manager.js';
import { PendingCheck } from '../../../fargate/src/jobs/pending-check.js';
import type { ShareCheck, ShareSubmission, StratumJob } from '../../../fargate/src/jobs/types.js';
import { type MineRequest, mineShare } from '../../helpers/scrypt-miner.js';
import { fixture, ltc, nextBlockTemplate, poolAddress } from './fakes.js';
import { fixtureJobManager } from './fixture-manager.js';

const EN1 = 'a0b1c2d3';
const clockAt = (seconds: number) => () => seconds * 1000;

function setup(overrides: Partial<JobManagerOptions> = {}) {
  const made = fixtureJobManager(overrides);
  managers.push(made.manager);
  return made;
}
const managers: JobManager[] = [];
afterEach(() => {
  for (const m of managers.splice(0)) m.stop();
});

/** Mines a share with the independent test miner and turns it into a submission. */
function share(
  job: StratumJob,
  difficulty: number,
  extra: Partial<ShareSubmission> & Pick<MineRequest, 'version' | 'pow'> = {},
) {
  const { version, pow, ...rest } = extra;
  const extranonce2 = extra.extranonce2 ?? '00000001';
  const mined = mineShare({ job, extranonce1: EN1, extranonce2, difficulty, version, pow });
  const submission: ShareSubmission = {
    jobId: job.jobId,
    extranonce1: EN1,
    extranonce2: mined.extranonce2,
    ntime: mined.ntime,
    nonce: mined.nonce,
    difficulty,
    miner: poolAddress,
    worker: 'rig1',
    ...rest,
  };
  return { mined, submission };
}

describe('JobManager jobs', () => {
  it('turns a template into a stratum job in wire encoding', async () => {
    const { manager, daemons } = setup();
    const seen: StratumJob[] = [];
    manager.onJob((j) => seen.push(j));
    await manager.refresh();
    const job = manager.current()!;
    expect(seen).toEqual([job]);
    expect(daemons.gbtCalls[0]!.rules).toEqual(['mweb', 'segwit']);
    expect(job.height).toBe(fixture.height);
    expect(job.version).toBe(fixture.version.toString(16).padStart(8, '0'));
    expect(job.nbits).toBe(fixture.bits);
    expect(job.ntime).toBe(fixture.curtime.toString(16).padStart(8, '0'));
    expect(job.cleanJobs).toBe(true);
    expect(job.networkDifficulty).toBe(bitsToDifficulty(0x207fffff, 65536));
    // word-swapped prevhash: reversing the 8 words of it gives the display hash
    const words = job.prevHash.match(/.{8}/g)!;
    expect(words.reverse().join('')).toBe(fixture.previousblockhash);
    expect(job.merkleBranch).toHaveLength(2);
  });

  it('gives a changed template on the same previous block a new id without cleaning', async () => {
    const { manager, daemons } = setup();
    daemons.templates = [fixture, { ...fixture, coinbasevalue: fixture.coinbasevalue + 1 }];
    await manager.refresh();
    const first = manager.current()!;
    await manager.refresh();
    const second = manager.current()!;
    expect(second.jobId).not.toBe(first.jobId);
    expect(second.cleanJobs).toBe(false);
  });

  it('makes no new job when a refresh brings the same work again (only curtime and longpollid moved)', async () => {
    const { manager, daemons } = setup();
    const seen: StratumJob[] = [];
    manager.onJob((j) => seen.push(j));
    daemons.templates = [fixture, { ...fixture, curtime: fixture.curtime + 30, longpollid: 'later' }];
    await manager.refresh();
    await manager.refresh();
    expect(seen.map((j) => j.jobId)).toEqual([manager.current()!.jobId]);
  });

  it('ignores a template for a lower height than the current one (racing answers)', async () => {
    const { manager, daemons } = setup();
    daemons.templates = [nextBlockTemplate(), fixture];
    await manager.refresh();
    const newer = manager.current()!;
    await manager.refresh();
    expect(manager.current()).toBe(newer);
  });

  it('refuses a pool address of another network at construction', () => {
    expect(() => setup({ poolAddress: 'ltc1qg82pxn2vj3pcq9x6qh3pv5dgkfxltexyasmy6v' })).toThrow(InvalidAddressError);
  });

  it('refuses a pool tag that makes the coinbase scriptSig too long', async () => {
    const { manager } = setup({ poolTag: 'x'.repeat(95) });
    await expect(manager.refresh()).rejects.toThrow(/scriptSig/);
    expect(manager.current()).toBeUndefined();
  });

  it('reports a daemon with no healthy member as a failed refresh, keeping the old job', async () => {
    const { manager, daemons } = setup();
    await manager.refresh();
    const job = manager.current();
    daemons.healthy = false;
    await expect(manager.refresh()).rejects.toThrow(/no healthy daemon/);
    expect(manager.current()).toBe(job);
  });
});

describe('JobManager.checkShare', () => {
  it('accepts a share, submits the block at once and reports it', async () => {
    const { manager, daemons, logger } = setup();
    await manager.refresh();
    const job = manager.current()!;
    const { mined, submission } = share(job, 0.001);
    const gbtBefore = daemons.gbtCalls.length;
    const result = await manager.checkShare(submission);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(BigInt(`0x${result.hash}`)).toBe(mined.hashValue);
    expect(result.actualDifficulty).toBeGreaterThanOrEqual(0.001);
    expect(result.height).toBe(fixture.height);
    expect(result.networkDifficulty).toBe(job.networkDifficulty); // PoT caps credit by it
    expect(result.networkDifficulty).toBeGreaterThan(0);
    expect(daemons.submitted).toHaveLength(1);
    const block = daemons.submitted[0]!;
    expect(block.slice(0, 160)).toBe(mined.header);
    expect(block.endsWith(`01${fixture.mweb}`)).toBe(true);
    expect(result.block).toEqual({
      height: fixture.height,
      hash: reverseHex(sha256d(Buffer.from(mined.header, 'hex')).toString('hex')),
      reward: String(fixture.coinbasevalue),
      networkDifficulty: job.networkDifficulty,
      submitResult: 'accepted',
    });
    expect(logger.lines.some((l) => l.level === 'info' && l.msg.includes('block found'))).toBe(true);
    await vi.waitFor(() => expect(daemons.gbtCalls.length).toBeGreaterThan(gbtBefore));
  });

  it('submits a block found on an older job of the same previous block with the transactions of that job', async () => {
    const { manager, daemons } = setup();
    await manager.refresh();
    const older = manager.current()!;
    // A refresh of the same block without the template's first transaction: a new job, the older one still valid.
    const all = fixture.transactions as { data: string }[];
    const [dropped, ...kept] = all;
    daemons.templates = [{ ...fixture, transactions: kept, longpollid: 'lp-2' }];
    await manager.refresh();
    expect(manager.current()!.jobId).not.toBe(older.jobId);
    const result = await manager.checkShare(share(older, 0.001).submission);
    expect(result.ok && result.block?.submitResult).toBe('accepted');
    const tail = (txs: { data: string }[]) => `${txs.map((t) => t.data).join('')}01${fixture.mweb}`;
    expect(daemons.submitted[0]!.endsWith(tail(all))).toBe(true);
    // …and one found on the newest job carries the newest template's.
    const newest = await manager.checkShare(share(manager.current()!, 0.001).submission);
    expect(newest.ok && newest.block?.submitResult).toBe('accepted');
    expect(daemons.submitted[1]).not.toContain(dropped!.data);
    expect(daemons.submitted[1]!.endsWith(tail(kept))).toBe(true);
  });

  it('rejects the same share twice with 22', async () => {
    const { manager } = setup();
    await manager.refresh();
    const { submission } = share(manager.current()!, 0.001);
    expect((await manager.checkShare(submission)).ok).toBe(true);
    expect(await manager.checkShare(submission)).toEqual({ ok: false, code: 22, message: 'duplicate share' });
    // Case differences in hex are the same share.
    expect((await manager.checkShare({ ...submission, nonce: submission.nonce.toUpperCase() })).ok).toBe(false);
  });

  it('on a sha256d coin takes the header digest as the PoW hash: a share is accepted with that hash, then a duplicate', async () => {
    const { manager } = setup({ coin: { ...ltc, algorithm: 'sha256d' } });
    await manager.refresh();
    const job = manager.current()!;
    const { mined, submission } = share(job, 0.001, { pow: sha256d });
    const result = await manager.checkShare(submission);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(BigInt(`0x${result.hash}`)).toBe(mined.hashValue);
    expect(result.hash).toBe(reverseHex(sha256d(Buffer.from(mined.header, 'hex')).toString('hex')));
    expect(await manager.checkShare(submission)).toEqual({ ok: false, code: 22, message: 'duplicate share' });
  });

  it('refuses the same solution under a second job id of the same work with 22', async () => {
    const { manager, daemons } = setup();
    // A → B → A: the mempool moved and came back; the third job builds exactly the headers of the first.
    const a = { ...fixture, bits: '1d00ffff' };
    daemons.templates = [a, { ...a, coinbasevalue: fixture.coinbasevalue + 1 }, a];
    const jobs: StratumJob[] = [];
    manager.onJob((j) => jobs.push(j));
    for (let i = 0; i < 3; i++) await manager.refresh();
    expect(new Set(jobs.map((j) => j.jobId)).size).toBe(3);
    const { submission } = share(jobs[0]!, 0.001);
    expect((await manager.checkShare(submission)).ok).toBe(true);
    expect(await manager.checkShare({ ...submission, jobId: jobs[2]!.jobId })).toEqual({
      ok: false,
      code: 22,
      message: 'duplicate share',
    });
  });

  it('remembers at most maxSharesPerBlock shares: beyond them refuses new ones as stale until the next block', async () => {
    const { manager, daemons, logger } = setup({ maxSharesPerBlock: 2 });
    daemons.templates = [{ ...fixture, bits: '1d00ffff' }];
    await manager.refresh();
    const job = manager.current()!;
    const [a, b, c] = ['00000001', '00000002', '00000003'].map((en2) => share(job, 0.001, { extranonce2: en2 }));
    expect((await manager.checkShare(a!.submission)).ok).toBe(true);
    expect((await manager.checkShare(b!.submission)).ok).toBe(true);
    expect(await manager.checkShare(c!.submission)).toEqual({
      ok: false,
      code: 21,
      message: 'share limit of this block reached',
    });
    // still a duplicate, not forgotten to make room
    expect(await manager.checkShare(a!.submission)).toMatchObject({ ok: false, code: 22 });
    expect(logger.lines.filter((l) => l.level === 'error' && l.msg.includes('share limit'))).toHaveLength(1);
    daemons.templates = [{ ...nextBlockTemplate(), bits: '1d00ffff' }];
    await manager.refresh();
    const next = share(manager.current()!, 0.001, { extranonce2: '00000003' });
    expect((await manager.checkShare(next.submission)).ok).toBe(true);
  });

  it('hashes the shares of one turn in pairs: each gets its own hash, and the same share twice at once only once', async () => {
    const { manager } = setup();
    await manager.refresh();
    const job = manager.current()!;
    const shares = ['00000001', '00000002', '00000003'].map((en2) => share(job, 0.001, { extranonce2: en2 }));
    const [a, b, c, again] = await Promise.all([
      ...shares.map((x) => manager.checkShare(x.submission)),
      manager.checkShare(shares[0]!.submission),
    ]);
    for (const [i, r] of [a, b, c].entries()) {
      expect(r!.ok).toBe(true);
      if (r!.ok) expect(BigInt(`0x${r!.hash}`)).toBe(shares[i]!.mined.hashValue);
    }
    expect(again).toEqual({ ok: false, code: 22, message: 'duplicate share' });
  });

  it('rejects an unknown job and jobs from before a new block with 21', async () => {
    const { manager, daemons } = setup();
    await manager.refresh();
    const old = manager.current()!;
    const { submission } = share(old, 0.001);
    expect(await manager.checkShare({ ...submission, jobId: 'ffff' })).toMatchObject({ ok: false, code: 21 });
    daemons.templates = [nextBlockTemplate()];
    await manager.refresh();
    expect(manager.current()!.cleanJobs).toBe(true);
    expect(await manager.checkShare(submission)).toEqual({ ok: false, code: 21, message: 'job not found (stale)' });
  });

  it('still calls a resent accepted share a duplicate after its block moved the chain on', async () => {
    const { manager, daemons } = setup();
    await manager.refresh();
    const job = manager.current()!;
    const { submission } = share(job, 0.001);
    expect((await manager.checkShare(submission)).ok).toBe(true);
    daemons.templates = [nextBlockTemplate()];
    await manager.refresh();
    expect(manager.current()!.jobId).not.toBe(job.jobId);
    expect(await manager.checkShare(submission)).toMatchObject({ ok: false, code: 22 });
    const other = share(job, 0.001, { extranonce2: '000000ff' }).submission;
    expect(await manager.checkShare(other)).toMatchObject({ ok: false, code: 21 });
  });

  it('keeps older jobs of the same previous block valid', async () => {
    const { manager, daemons } = setup();
    daemons.templates = [fixture, { ...fixture, coinbasevalue: fixture.coinbasevalue + 1 }];
    await manager.refresh();
    const old = manager.current()!;
    await manager.refresh();
    expect(manager.current()!.jobId).not.toBe(old.jobId);
    const { submission } = share(old, 0.001);
    expect((await manager.checkShare(submission)).ok).toBe(true);
  });

  it('rejects a share above the share target with 23 and submits nothing', async () => {
    const { manager, daemons } = setup();
    await manager.refresh();
    const { submission } = share(manager.current()!, 0.001);
    const result = await manager.checkShare({ ...submission, difficulty: 1e12 });
    expect(result).toEqual({ ok: false, code: 23, message: 'low difficulty share' });
    expect(daemons.submitted).toHaveLength(0);
    // a rejected share is not remembered: at its real difficulty it is still accepted
    expect((await manager.checkShare(submission)).ok).toBe(true);
  });

  it('accepts a share that misses the network target without submitting a block', async () => {
    const { manager, daemons } = setup();
    daemons.templates = [{ ...fixture, bits: '1d00ffff' }];
    await manager.refresh();
    const { submission } = share(manager.current()!, 0.001);
    const result = await manager.checkShare(submission);
    expect(result.ok && result.block).toBe(undefined);
    expect(result.ok).toBe(true);
    expect(daemons.submitted).toHaveLength(0);
  });

  it('rejects ntime before the template mintime or more than 2 hours ahead with 20', async () => {
    const { manager } = setup({ now: clockAt(fixture.curtime + 100) });
    await manager.refresh();
    const job = manager.current()!;
    const early = (fixture.mintime - 1).toString(16).padStart(8, '0');
    const late = (fixture.curtime + 100 + 7201).toString(16).padStart(8, '0');
    const edge = (fixture.curtime + 100 + 7200).toString(16).padStart(8, '0');
    for (const ntime of [early, late]) {
      const mined = mineShare({ job, extranonce1: EN1, extranonce2: '00000002', difficulty: 0.001, ntime });
      const result = await manager.checkShare({ ...share(job, 0.001).submission, ntime, nonce: mined.nonce });
      expect(result).toEqual({ ok: false, code: 20, message: 'ntime out of range' });
    }
    const mined = mineShare({ job, extranonce1: EN1, extranonce2: '00000002', difficulty: 0.001, ntime: edge });
    const ok = await manager.checkShare({
      ...share(job, 0.001).submission,
      extranonce2: '00000002',
      ntime: edge,
      nonce: mined.nonce,
    });
    expect(ok.ok).toBe(true);
  });

  it('rejects malformed extranonce2, ntime and nonce with 20', async () => {
    const { manager } = setup();
    await manager.refresh();
    const { submission } = share(manager.current()!, 0.001);
    expect(await manager.checkShare({ ...submission, extranonce2: '000001' })).toEqual({
      ok: false,
      code: 20,
      message: 'incorrect size of extranonce2',
    });
    expect(await manager.checkShare({ ...submission, extranonce2: 'zz000001' })).toMatchObject({ code: 20 });
    expect(await manager.checkShare({ ...submission, ntime: '123' })).toMatchObject({ code: 20 });
    expect(await manager.checkShare({ ...submission, nonce: 'nonce!!!' })).toMatchObject({ code: 20 });
  });

  it('rolls version bits (BIP310): header version = (job version & ~mask) | bits', async () => {
    const { manager, daemons } = setup();
    await manager.refresh();
    const job = manager.current()!;
    const rolled = ((fixture.version & ~0x1fffe000) | 0x00a00000) >>> 0;
    const versionHex = rolled.toString(16).padStart(8, '0');
    const { mined, submission } = share(job, 0.001, { versionBits: '00a00000', version: versionHex });
    const result = await manager.checkShare(submission);
    expect(result.ok).toBe(true);
    expect(daemons.submitted[0]!.slice(0, 160)).toBe(mined.header);
    expect(Buffer.from(mined.header, 'hex').readUInt32LE(0)).toBe(rolled);
  });

  it('keeps a valid share when submitblock fails, logging the error', async () => {
    const { manager, daemons, logger } = setup();
    daemons.submitAnswers = new Error('connect ECONNREFUSED');
    await manager.refresh();
    const result = await manager.checkShare(share(manager.current()!, 0.001).submission);
    expect(result.ok).toBe(true);
    expect(result.ok && result.block?.submitResult).toBe('error: connect ECONNREFUSED');
    expect(logger.lines.some((l) => l.level === 'error' && l.msg.includes('not accepted'))).toBe(true);
  });

  it('reports a rejection reason from the daemons in the found block', async () => {
    const { manager, daemons, logger } = setup();
    daemons.submitAnswers = ['bad-cb-amount', new Error('timeout')];
    await manager.refresh();
    const result = await manager.checkShare(share(manager.current()!, 0.001).submission);
    expect(result.ok && result.block?.submitResult).toBe('bad-cb-amount');
    expect(logger.lines.find((l) => l.level === 'error')?.obj).toHaveProperty('blockHex');
  });
});

describe('JobManager.checkShare exactly at the share and network targets (byte compare)', () => {
  // The PoW hash is injected: each share's value (big-endian number) is exactly the one the test names.
  function atValues(values: bigint[]) {
    const queue = [...values];
    return setup({ powHash: () => bigIntToHash(queue.shift()!) });
  }
  const submission = (job: StratumJob, extranonce2: string, difficulty: number): ShareSubmission => ({
    jobId: job.jobId,
    extranonce1: EN1,
    extranonce2,
    ntime: job.ntime,
    nonce: '00000000',
    difficulty,
    miner: poolAddress,
    worker: 'rig1',
  });

  it('accepts a share whose hash equals its share target and refuses one a unit above it with 23', async () => {
    const difficulty = 0.001;
    const target = difficultyToTarget(difficulty, ltc.stratumDiffMultiplier);
    const { manager, daemons } = atValues([target + 1n, target, target - 1n]);
    daemons.templates = [{ ...fixture, bits: '1d00ffff' }]; // network target far below: no block here
    await manager.refresh();
    const job = manager.current()!;
    expect(await manager.checkShare(submission(job, '00000001', difficulty))).toEqual({
      ok: false,
      code: 23,
      message: 'low difficulty share',
    });
    const at = await manager.checkShare(submission(job, '00000002', difficulty));
    expect(at).toMatchObject({ ok: true, hash: target.toString(16).padStart(64, '0') });
    // The actual difficulty is a float from the hash's bytes (statistics): the exact quotient to 12 places.
    expect(at.ok && at.actualDifficulty / targetToDifficulty(target, ltc.stratumDiffMultiplier)).toBeCloseTo(1, 12);
    expect((await manager.checkShare(submission(job, '00000003', difficulty))).ok).toBe(true);
    expect(daemons.submitted).toHaveLength(0);
  });

  it('submits a block for a hash exactly at the network target, none for a unit above it', async () => {
    const network = bitsToTarget(0x1d00ffff);
    const { manager, daemons } = atValues([network + 1n, network]);
    daemons.templates = [{ ...fixture, bits: '1d00ffff' }];
    await manager.refresh();
    const job = manager.current()!;
    const above = await manager.checkShare(submission(job, '00000001', 0.001));
    expect(above.ok && above.block).toBe(undefined);
    expect(above.ok).toBe(true);
    expect(daemons.submitted).toHaveLength(0);
    const at = await manager.checkShare(submission(job, '00000002', 0.001));
    expect(at.ok && at.block?.submitResult).toBe('accepted');
    expect(daemons.submitted).toHaveLength(1);
    // The block carries this share's own coinbase (the assembler's copy, with its extranonces).
    expect(daemons.submitted[0]).toContain(`${EN1}00000002`);
    expect(daemons.submitted[0]).not.toContain(`${EN1}00000001`);
  });
});

describe('JobManager on a coin without segwit (Bitcoin Cash)', () => {
  /** A plain (non-witness) transaction, as every Bitcoin Cash transaction is. */
  function legacyTransaction(): Transaction {
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(Buffer.alloc(32, 0x5a), 1, 0xffffffff, Buffer.from('0151', 'hex'));
    tx.addOutput(Buffer.from(`76a914${'33'.repeat(20)}88ac`, 'hex'), 12_345n);
    return tx;
  }

  /**
   * A template shaped as Bitcoin Cash Node answers getblocktemplate: no rules or BIP9 fields, no
   * default_witness_commitment, transactions without witness data (the recorded LTC template's header fields).
   */
  function bchnTemplate() {
    const tx = legacyTransaction();
    const {
      rules: _r,
      vbavailable: _v,
      vbrequired: _q,
      default_witness_commitment: _c,
      mweb: _m,
      weightlimit: _w,
      ...rest
    } = fixture as Record<string, unknown>;
    return {
      ...rest,
      capabilities: ['proposal'],
      transactions: [{ data: tx.toHex(), txid: tx.getId(), hash: tx.getId(), depends: [], fee: 1000, sigops: 1 }],
    };
  }

  it('asks for a template with no rules and submits a block with no witness data that pays the CashAddr pool address', async () => {
    const bch = getCoin('BCH');
    const cashAddr = 'bchreg:qr6m7j9njldwwzlg9v7v53unlr4jkmx6eyphnpcjvs';
    const { manager, daemons } = setup({ coin: bch, poolAddress: cashAddr });
    daemons.templates = [bchnTemplate()];
    await manager.refresh();
    expect(daemons.gbtCalls[0]!.rules).toEqual([]);
    const job = manager.current()!;
    const pow = { pow: sha256d, multiplier: bch.stratumDiffMultiplier };
    // Difficulty 1 is sha256d's diff-1 target (multiplier 1): 1e-7 takes ~500 hashes, and regtest's bits accept it.
    const mined = mineShare({ job, extranonce1: EN1, extranonce2: '00000001', difficulty: 1e-7, ...pow });
    const result = await manager.checkShare({
      jobId: job.jobId,
      extranonce1: EN1,
      extranonce2: mined.extranonce2,
      ntime: mined.ntime,
      nonce: mined.nonce,
      difficulty: 1e-7,
      miner: cashAddr,
      worker: 'rig1',
    });
    expect(result).toMatchObject({ ok: true, block: { submitResult: 'accepted' } });
    const hex = daemons.submitted[0]!;
    const block = Block.fromHex(hex);
    expect(block.toHex()).toBe(hex); // every byte accounted for by the plain serialization
    expect(block.transactions).toHaveLength(2);
    const coinbase = block.transactions![0]!;
    expect(coinbase.hasWitnesses()).toBe(false);
    expect(hex.slice(160 + 2 + 8, 160 + 2 + 12)).toBe('0100'); // input count 1 then its prevout: no 0x00 0x01 marker
    expect(coinbase.outs).toHaveLength(1); // no witness commitment output
    expect(Buffer.from(coinbase.outs[0]!.script).toString('hex')).toBe(`76a914${SPEC_HASH}88ac`);
    expect(coinbase.outs[0]!.value).toBe(BigInt(fixture.coinbasevalue));
    expect(coinbase.byteLength()).toBeGreaterThanOrEqual(65); // Bitcoin Cash's minimum transaction size (May 2023)
    expect(block.transactions![1]!.toHex()).toBe(legacyTransaction().toHex());
    expect(block.checkTxRoots()).toBe(true);
    expect(blockHashOf(block)).toBe(result.ok ? result.block?.hash : undefined);
  });
});

/** The CashAddr spec's 20-byte test payload (bchreg:qr6m7j… above is its P2PKH address on regtest). */
const SPEC_HASH = 'f5bf48b397dae70be82b3cca4793f8eb2b6cdac9';

const blockHashOf = (block: Block) => reverseHex(sha256d(block.toBuffer(true)).toString('hex'));

describe('JobManager duplicate detection (a share is its header)', () => {
  const sha = { ...ltc, algorithm: 'sha256d' as const };
  /** A sha256d submission at difficulty 1e-12 (every header meets it: nothing to mine). */
  const at = (job: StratumJob, f: { en2?: string; ntime?: string; nonce?: string; bits?: string; en1?: string }) => ({
    jobId: job.jobId,
    extranonce1: f.en1 ?? EN1,
    extranonce2: f.en2 ?? '00000001',
    ntime: f.ntime ?? job.ntime,
    nonce: f.nonce ?? '0000abcd',
    ...(f.bits !== undefined && { versionBits: f.bits }),
    difficulty: 1e-12,
    miner: poolAddress,
    worker: 'rig1',
  });

  it('takes one nonce again with another extranonce2, ntime, version bits or extranonce1; refuses each exact repeat', async () => {
    const { manager, daemons } = setup({ coin: sha });
    daemons.templates = [{ ...fixture, bits: '1d00ffff' }]; // no block
    await manager.refresh();
    const job = manager.current()!;
    const later = (job.ntime === 'ffffffff' ? 0 : Number.parseInt(job.ntime, 16) + 1).toString(16).padStart(8, '0');
    const variants = [
      {},
      { en2: '00000002' },
      { ntime: later },
      { bits: '00002000' },
      { en2: '00000002', ntime: later, bits: '00004000' },
      { en1: 'a0b1c2d4' }, // another connection's extranonce1
    ];
    for (const v of variants) expect(manager.checkShare(at(job, v)), JSON.stringify(v)).toMatchObject({ ok: true });
    // The same submissions again, as a miner resending after a reconnect with the same extranonce1 would: each 22.
    for (const v of variants) {
      expect(manager.checkShare(at(job, v)), JSON.stringify(v)).toEqual({
        ok: false,
        code: 22,
        message: 'duplicate share',
      });
    }
  });

  it('catches every repeat among thousands of shares with refusals for difficulty in between, and none that is new', async () => {
    const { manager, daemons } = setup({ coin: sha });
    daemons.templates = [{ ...fixture, bits: '1d00ffff' }];
    await manager.refresh();
    const job = manager.current()!;
    const accepted = new Set<string>();
    let repeats = 0;
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state;
    };
    for (let i = 0; i < 6000; i++) {
      const n = next();
      const f = {
        en2: (n & 0x3f).toString(16).padStart(8, '0'),
        nonce: ((n >>> 6) & 0x3f).toString(16).padStart(8, '0'),
      };
      const key = `${f.en2}:${f.nonce}`;
      if (n % 5 === 0) {
        // Too hard for its difficulty: refused with 23 and not remembered (unless already accepted: then 22).
        const hard = manager.checkShare({ ...at(job, f), difficulty: 1e15 });
        expect(hard).toMatchObject({ ok: false, code: accepted.has(key) ? 22 : 23 });
        continue;
      }
      const verdict = manager.checkShare(at(job, f));
      if (accepted.has(key)) {
        repeats++;
        expect(verdict, key).toMatchObject({ ok: false, code: 22 });
      } else expect(verdict, key).toMatchObject({ ok: true });
      accepted.add(key);
    }
    expect(accepted.size).toBeGreaterThan(3000);
    expect(repeats).toBeGreaterThan(1000);
  });
});

describe('JobManager.checkShare without a promise where nothing waits', () => {
  const sha = { ...ltc, algorithm: 'sha256d' as const };
  const sha256dShare = (job: StratumJob, extranonce2: string) =>
    share(job, 0.001, { extranonce2, pow: sha256d }).submission;

  it('returns a sha256d share that is no block as a verdict, not a promise: accepted, then duplicate, then low difficulty', async () => {
    const { manager, daemons } = setup({ coin: sha });
    daemons.templates = [{ ...fixture, bits: '1d00ffff' }]; // a network target no test share meets
    await manager.refresh();
    const job = manager.current()!;
    const submission = sha256dShare(job, '00000001');
    const first = manager.checkShare(submission);
    expect(first).not.toBeInstanceOf(Promise);
    expect(first).toMatchObject({ ok: true, height: job.height });
    const again = manager.checkShare(submission);
    expect(again).toEqual({ ok: false, code: 22, message: 'duplicate share' });
    const hard = manager.checkShare({ ...sha256dShare(job, '00000002'), difficulty: 1e12 });
    expect(hard).toEqual({ ok: false, code: 23, message: 'low difficulty share' });
    expect(daemons.submitted).toHaveLength(0);
  });

  it('returns a promise for a block, submitted before the verdict; a scrypt share’s verdict at once when idle, else a PendingCheck (its turn batch)', async () => {
    const { manager, daemons } = setup({ coin: sha }); // regtest bits: every share is a block
    await manager.refresh();
    const checked = manager.checkShare(sha256dShare(manager.current()!, '00000001'));
    expect(checked).toBeInstanceOf(Promise);
    const verdict = await checked;
    expect(verdict.ok && verdict.block?.submitResult).toBe('accepted');
    expect(daemons.submitted).toHaveLength(1);
    // The block carries the share's own header (copied from the assembler before anything else ran): its hash.
    const header = Buffer.from(daemons.submitted[0]!.slice(0, 160), 'hex');
    expect(verdict.ok && verdict.hash).toBe(reverseHex(sha256d(header).toString('hex')));

    // The scrypt hasher with a loop that does not sleep between the shares (the test holds its count still).
    const hasher = new TurnBatchHasher((headers) => scryptBatch(headers), { slept: () => 0 });
    const scrypt = setup({ powHash: turnHasher(hasher) });
    scrypt.daemons.templates = [{ ...fixture, bits: '1d00ffff' }];
    await scrypt.manager.refresh();
    // The first share finds the process idle: hashed within the check, its verdict returned as it is.
    const first = scrypt.manager.checkShare(share(scrypt.manager.current()!, 0.001).submission);
    expect(first).not.toBeInstanceOf(PendingCheck);
    expect(first).not.toBeInstanceOf(Promise);
    expect((first as ShareCheck).ok).toBe(true);
    // The next one right after that work waits for its turn's batch without a promise: a PendingCheck its hash settles.
    const next = share(scrypt.manager.current()!, 0.001, { extranonce2: '00000002' });
    const pending = scrypt.manager.checkShare(next.submission);
    expect(pending).toBeInstanceOf(PendingCheck);
    const told: unknown[] = [];
    (pending as PendingCheck<ShareCheck>).listen({
      checked: (c) => told.push(c),
      checkFailed: (err) => told.push(err),
    });
    expect(told).toEqual([]); // not within the check: at the end of the turn
    expect((await pending).ok).toBe(true);
    expect(told).toEqual([await pending]);
  });
});
