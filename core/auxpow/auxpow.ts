import { assertHex, sha256d } from '../chain/hash.js';
import { decodeVarint, encodeVarint } from '../chain/serialize.js';
import { readTransaction } from '../chain/transaction.js';
import { PoolError } from '../errors.js';
import type { AuxSlot } from './tree.js';

/**
 * The AuxPoW proof (Dogecoin's and Namecoin's `CAuxPow`), what `submitauxblock <hash> <auxpow>` takes:
 *
 *   parent coinbase tx ‖ hashBlock (32) ‖ varint + coinbase merkle branch ‖ nIndex (i32 LE, 0) ‖
 *   varint + chain merkle branch ‖ nChainIndex (i32 LE) ‖ parent header (80)
 *
 * A stored aux block is `aux header (80) ‖ CAuxPow ‖ transactions`. All hashes are in internal byte order.
 */

export interface AuxPow {
  /** The parent coinbase as serialized: the pool writes the stripped form (coinb1 ‖ en1 ‖ en2 ‖ coinb2). */
  coinbase: Buffer;
  /** `hashBlock`: not checked by consensus; the pool writes the parent header's sha256d. */
  parentBlockHash: Buffer;
  /** The stratum merkle branch from the coinbase txid to the parent's merkle root. */
  coinbaseBranch: Buffer[];
  /** The coinbase's position in the parent block: 0, or the proof is refused. */
  coinbaseIndex: number;
  /** From the aux block hash to the aux root the coinbase commits to. */
  chainBranch: Buffer[];
  chainIndex: number;
  /** The parent block header, 80 bytes. */
  parentHeader: Buffer;
}

/** A proof that cannot even be read (truncated, trailing bytes, absurd counts): refused before any rule is applied. */
export class MalformedAuxPowError extends PoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'AUXPOW_MALFORMED', options);
  }
}

/** The proof for one aux chain of a solved parent share: its coinbase, that coinbase's branch, the header mined. */
export function buildAuxPow(
  parent: { coinbase: Buffer; coinbaseBranch: Buffer[]; header: Buffer },
  slot: AuxSlot,
): AuxPow {
  if (parent.header.length !== 80) throw new RangeError(`a parent header is 80 bytes, got ${parent.header.length}`);
  return {
    coinbase: parent.coinbase,
    parentBlockHash: sha256d(parent.header),
    coinbaseBranch: parent.coinbaseBranch,
    coinbaseIndex: 0,
    chainBranch: slot.branch,
    chainIndex: slot.index,
    parentHeader: parent.header,
  };
}

export function encodeAuxPow(auxpow: AuxPow): Buffer {
  if (auxpow.parentBlockHash.length !== 32) throw new RangeError('hashBlock is 32 bytes');
  if (auxpow.parentHeader.length !== 80) throw new RangeError('a parent header is 80 bytes');
  return Buffer.concat([
    auxpow.coinbase,
    auxpow.parentBlockHash,
    encodeBranch(auxpow.coinbaseBranch),
    int32(auxpow.coinbaseIndex),
    encodeBranch(auxpow.chainBranch),
    int32(auxpow.chainIndex),
    auxpow.parentHeader,
  ]);
}

/** Reads a CAuxPow starting at `offset` (e.g. 80, after an aux header); `end` is where it stopped. */
export function readAuxPow(buf: Uint8Array, offset = 0): { auxpow: AuxPow; end: number } {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    const tx = readTransaction(b, offset);
    let at = tx.end;
    const take = (n: number): Buffer => {
      if (at + n > b.length) throw new RangeError('auxpow truncated');
      const out = b.subarray(at, at + n);
      at += n;
      return out;
    };
    const branch = (what: string, max: number): Buffer[] => {
      const { value, size } = decodeVarint(b, at);
      at += size;
      // Bounded before allocating: a coinbase branch deeper than 64 would need more than 2^64 transactions.
      if (value > max) throw new RangeError(`${what} of ${value} hashes is longer than ${max}`);
      return Array.from({ length: value }, () => take(32));
    };
    const parentBlockHash = take(32);
    const coinbaseBranch = branch('coinbase branch', 64);
    const coinbaseIndex = take(4).readInt32LE(0);
    // Read longer chain branches than the rule allows, so that the verifier can refuse them with their reason.
    const chainBranch = branch('chain branch', 64);
    const chainIndex = take(4).readInt32LE(0);
    const parentHeader = take(80);
    return {
      auxpow: {
        coinbase: tx.raw,
        parentBlockHash,
        coinbaseBranch,
        coinbaseIndex,
        chainBranch,
        chainIndex,
        parentHeader,
      },
      end: at,
    };
  } catch (e) {
    throw new MalformedAuxPowError(`malformed auxpow: ${(e as Error).message}`, { cause: e });
  }
}

/** Decodes a whole auxpow hex or buffer (as submitauxblock receives it); trailing bytes are refused. */
export function decodeAuxPow(data: Uint8Array | string): AuxPow {
  const buf = typeof data === 'string' ? hexBytes(data) : data;
  const { auxpow, end } = readAuxPow(buf);
  if (end !== buf.length) throw new MalformedAuxPowError(`malformed auxpow: ${buf.length - end} bytes after it`);
  return auxpow;
}

/** An aux block header followed by its proof (`aux header ‖ CAuxPow`, without transactions). */
export function decodeAuxHeaderWithPow(data: Uint8Array | string): { header: Buffer; auxpow: AuxPow } {
  const buf = Buffer.from(typeof data === 'string' ? hexBytes(data) : data);
  if (buf.length < 80) throw new MalformedAuxPowError('malformed aux block: shorter than its 80-byte header');
  return { header: buf.subarray(0, 80), auxpow: decodeAuxPow(buf.subarray(80)) };
}

function hexBytes(hex: string): Buffer {
  try {
    assertHex(hex, 'auxpow');
  } catch (e) {
    throw new MalformedAuxPowError(`malformed auxpow: ${(e as Error).message}`, { cause: e });
  }
  return Buffer.from(hex, 'hex');
}

function encodeBranch(branch: readonly Buffer[]): Buffer {
  for (const h of branch) if (h.length !== 32) throw new RangeError('a merkle branch hash is 32 bytes');
  return Buffer.concat([encodeVarint(branch.length), ...branch]);
}

function int32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32LE(n);
  return out;
}
