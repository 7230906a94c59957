import { scriptSigRoomWithCommitment } from '../auxpow/commitment.js';
import { buildCoinbase, type CoinbaseParts, joinCoinbase, withWitnessReservedValue } from './coinbase.js';
import { reverseHex, sha256d } from './hash.js';
import { serializeHeader } from './header.js';
import { hexInto } from './hex.js';
import { merkleBranch, rootFromBranch } from './merkle.js';
import { encodeVarint } from './serialize.js';
import { bitsToTarget, targetToBytes } from './target.js';
import type { BlockTemplate } from './template.js';

/**
 * Work: a block template turned into what miners need (coinbase halves, merkle branch) plus what the pool needs to
 * rebuild the header of a submitted share and the block around it.
 */

export interface Payout {
  /** scriptPubKey of the pool address that receives the coinbase value. */
  script: Buffer;
  /** Pool tag written into the coinbase scriptSig. */
  tag: Buffer;
  extranonce1Size: number;
  extranonce2Size: number;
  /**
   * Merged mining: the aux chains' commitment (core/auxpow `encodeAuxCommitment`, 44 bytes), written right after the
   * BIP34 height push, before GBT's coinbaseaux flags. Absent: no aux chain in this job.
   */
  auxCommitment?: Buffer;
}

export interface BlockWork {
  template: BlockTemplate;
  coinbase: CoinbaseParts;
  /** Stratum merkle branch, internal byte order. */
  merkleBranch: Buffer[];
  /** Previous block hash, internal byte order. */
  prevHash: Buffer;
  networkTarget: bigint;
  /** BIP141: the block carries the witness commitment, so its coinbase is serialized with the reserved value. */
  segwit: boolean;
}

/** What a share fixes on top of the work: the miner's extranonces, time, nonce and (BIP310) rolled version. */
export interface WorkSolution {
  extranonce1: string;
  extranonce2: string;
  ntime: number;
  nonce: number;
  version: number;
}

export function buildWork(template: BlockTemplate, payout: Payout): BlockWork {
  const outputs = [{ value: template.coinbasevalue, script: payout.script }];
  if (template.defaultWitnessCommitment) {
    outputs.push({ value: 0n, script: Buffer.from(template.defaultWitnessCommitment, 'hex') });
  }
  const flags = template.coinbaseauxFlags ? Buffer.from(template.coinbaseauxFlags, 'hex') : undefined;
  const scriptSig = {
    height: template.height,
    tag: payout.tag,
    aux: flags,
    extranonce1Size: payout.extranonce1Size,
    extranonce2Size: payout.extranonce2Size,
  };
  // A ConfigError naming every part when the commitment does not fit the 100 bytes next to the rest.
  if (payout.auxCommitment) scriptSigRoomWithCommitment(scriptSig);
  const aux = payout.auxCommitment ? Buffer.concat([payout.auxCommitment, flags ?? Buffer.alloc(0)]) : flags;
  const coinbase = buildCoinbase({ ...scriptSig, outputs, aux });
  const txids = template.transactions.map((tx) => Buffer.from(tx.txid, 'hex').reverse());
  return {
    template,
    coinbase,
    merkleBranch: merkleBranch(txids),
    prevHash: Buffer.from(template.previousblockhash, 'hex').reverse(),
    networkTarget: bitsToTarget(template.bits),
    segwit: template.defaultWitnessCommitment !== undefined,
  };
}

/**
 * The stripped coinbase and 80-byte header a share describes. `hash` is the sha256d of the coinbase id: the stratum
 * server passes its native one (the hot path of every share); node:crypto's by default.
 */
export function solveWork(
  work: BlockWork,
  solution: WorkSolution,
  hash: (data: Buffer) => Buffer = sha256d,
): { coinbase: Buffer; header: Buffer } {
  const coinbase = joinCoinbase(work.coinbase, solution.extranonce1, solution.extranonce2);
  const header = serializeHeader({
    version: solution.version,
    prevHash: work.prevHash,
    merkleRoot: rootFromBranch(hash(coinbase), work.merkleBranch, hash),
    ntime: solution.ntime,
    bits: work.template.bits,
    nonce: solution.nonce,
  });
  return { coinbase, header };
}

/**
 * A share's header hash over one array, `area` = coinbase (`coinbaseLength` bytes) ‖ branch (`branchLength`, whole
 * 32-byte steps) ‖ header (80 bytes) ‖ digest (32 bytes): the header's bytes 36..68 ← the merkle root of
 * sha256d(coinbase) and the branch's steps (root = sha256d(root ‖ step)), then the digest ← sha256d(header). The
 * stratum server passes the addon's one-call version (fargate/src/hashing `sha256dShareArea`: one typed array to
 * read instead of four); node:crypto's by default.
 */
export type ShareHeaderHash = (area: Uint8Array, coinbaseLength: number, branchLength: number) => void;

const shareHeaderHashDefault: ShareHeaderHash = (area, coinbaseLength, branchLength) => {
  let root = sha256d(area.subarray(0, coinbaseLength));
  for (let at = coinbaseLength; at < coinbaseLength + branchLength; at += 32) {
    root = sha256d(Buffer.concat([root, area.subarray(at, at + 32)]));
  }
  const header = coinbaseLength + branchLength;
  area.set(root, header + 36);
  area.set(sha256d(area.subarray(header, header + 80)), header + 80);
};

/**
 * `value` (its low 32 bits) little-endian at `at`: four stores V8 inlines, where Buffer#writeUInt32LE is a call
 * with its own range checks (three a share; `at` + 4 is within the header here).
 */
function putU32LE(buf: Uint8Array, value: number, at: number): void {
  buf[at] = value;
  buf[at + 1] = value >>> 8;
  buf[at + 2] = value >>> 16;
  buf[at + 3] = value >>> 24;
}

/**
 * What solveWork does for the shares of one work, on the hot path of every share: no hex round trip, no allocation,
 * one hash call over one array of the work's own, its area: the coinbase (coinb1 ‖ extranonce1 ‖ extranonce2 ‖
 * coinb2: the extranonces' hex written as bytes in place), the work's merkle branch, the header (the work's previous
 * hash and bits, the share's version, time and nonce) and the digest; `hashShare` folds the branch into the header
 * and hashes it. The area is the assembler's: `hashHeader`'s header and digest live until the next share of the same
 * work (take `headerCopy` before anything else runs); `header` and `coinbase` give new Buffers, safe to keep across an
 * await while other shares of the same work are assembled.
 */
export class ShareAssembler {
  /** The network target as 32 big-endian bytes (meetsTarget against a display-order hash). */
  readonly networkTarget: Buffer;
  /**
   * The last `hashHeader`'s digest: a view of the assembler's area, overwritten by the next share of this work (copy
   * it to keep it).
   */
  readonly digest: Buffer;
  /** coinbase ‖ branch ‖ header ‖ digest, what `hashShare` reads and writes; the fields below are views of it. */
  private readonly area: Buffer;
  private readonly scratch: Buffer;
  private readonly head: Buffer;
  private readonly branchLength: number;
  private readonly en2At: number;

  constructor(
    work: BlockWork,
    private readonly extranonce1Size: number,
    private readonly extranonce2Size: number,
    private readonly hashShare: ShareHeaderHash = shareHeaderHashDefault,
  ) {
    const { coinb1, coinb2 } = work.coinbase;
    const coinbaseLength = coinb1.length + extranonce1Size + extranonce2Size + coinb2.length;
    this.branchLength = 32 * work.merkleBranch.length;
    const headAt = coinbaseLength + this.branchLength;
    this.area = Buffer.alloc(headAt + 80 + 32);
    this.scratch = this.area.subarray(0, coinbaseLength);
    this.head = this.area.subarray(headAt, headAt + 80);
    this.digest = this.area.subarray(headAt + 80);
    coinb1.copy(this.scratch, 0);
    coinb2.copy(this.scratch, coinb1.length + extranonce1Size + extranonce2Size);
    this.en2At = coinb1.length + extranonce1Size;
    for (const [i, step] of work.merkleBranch.entries()) step.copy(this.area, coinbaseLength + 32 * i);
    work.prevHash.copy(this.head, 4);
    this.head.writeUInt32LE(work.template.bits >>> 0, 72);
    this.networkTarget = targetToBytes(work.networkTarget);
  }

  /**
   * The SHA-256d of a share's 80-byte header (the same header as solveWork's): `digest`, which stays, with the
   * header, in the assembler until its next share (`headerCopy` keeps the header).
   */
  hashHeader(solution: WorkSolution): Buffer {
    this.fill(solution);
    const head = this.head;
    putU32LE(head, solution.version, 0);
    putU32LE(head, solution.ntime, 68);
    putU32LE(head, solution.nonce, 76);
    this.hashShare(this.area, this.scratch.length, this.branchLength);
    return this.digest;
  }

  /** The header of the last `hashHeader` (a new Buffer). */
  headerCopy(): Buffer {
    return Buffer.from(this.head);
  }

  /** The 80-byte header of a share (a new Buffer): the same bytes as solveWork's. */
  header(solution: WorkSolution): Buffer {
    this.hashHeader(solution);
    return this.headerCopy();
  }

  /** The stripped coinbase of a share (a new Buffer): the same bytes as solveWork's. */
  coinbase(solution: WorkSolution): Buffer {
    this.fill(solution);
    return Buffer.from(this.scratch);
  }

  /** Writes the extranonces into the scratch coinbase; hex of the wrong size or not hex is a RangeError. */
  private fill({ extranonce1, extranonce2 }: WorkSolution): void {
    const s = this.scratch;
    const a = this.extranonce1Size;
    const b = this.extranonce2Size;
    // Read into the scratch coinbase as they are checked: no Buffer.write call and no lower-casing first.
    if (!hexInto(extranonce1, a, s, this.en2At - a) || !hexInto(extranonce2, b, s, this.en2At)) {
      throw new RangeError(`extranonces must be ${a} and ${b} bytes of hex`);
    }
  }
}

/**
 * The full block: header ‖ varint(tx count) ‖ coinbase ‖ template transactions, and for Litecoin MWEB templates the
 * extension block `0x01 ‖ mweb` at the end (the HogEx stays the last transaction, as parseBlockTemplate checked).
 */
export function assembleBlock(work: BlockWork, strippedCoinbase: Buffer, header: Buffer): Buffer {
  return Buffer.from(blockHexParts(work, strippedCoinbase, header).join(''), 'hex');
}

/**
 * The same block as hex pieces whose concatenation is the block's hex, for submitblock: the header, the count and
 * the coinbase (a few hundred bytes), then `tail`, the rest of the block, which is the same for every block of the
 * template (blockTailHex: the job manager makes it when the job is made, off a found block's path). No Buffer of the
 * block and no hex encoding of it: that, and a write per transaction, were most of a found block's time.
 */
export function blockHexParts(
  work: BlockWork,
  strippedCoinbase: Buffer,
  header: Buffer,
  tail = blockTailHex(work.template),
): string[] {
  const coinbase = work.segwit ? withWitnessReservedValue(strippedCoinbase) : strippedCoinbase;
  return [
    header.toString('hex'),
    encodeVarint(work.template.transactions.length + 1).toString('hex'),
    coinbase.toString('hex'),
    tail,
  ];
}

/**
 * A block's hex after its coinbase: the template's transactions as the daemon gave them (checked as hex when the
 * template was parsed), and for Litecoin MWEB templates the extension block `01 ‖ mweb`.
 */
export function blockTailHex(template: BlockTemplate): string {
  const tail = template.transactions.map((tx) => tx.data).join('');
  return template.mweb === undefined ? tail : `${tail}01${template.mweb}`;
}

/** Block hash as explorers show it: sha256d of the header, byte-reversed (also for scrypt coins). */
export function blockHash(header: Buffer): string {
  return reverseHex(sha256d(header).toString('hex'));
}
