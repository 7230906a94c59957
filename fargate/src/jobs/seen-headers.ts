import { randomInt } from 'node:crypto';

/** What `SeenHeaders.remember` did: remembered it now, had it already, or is full (nothing remembered). */
export type Remembered = 'new' | 'seen' | 'full';

/** Slots before the first growth (the table doubles at half full). */
const FIRST_SLOTS = 1024;
/** 32-bit words of a digest kept per slot: its first 8 bytes. */
const WORDS = 2;

/**
 * The shares accepted on one previous block, by the SHA-256d of their header: a header is the work, whatever job id
 * it was sent under. Two jobs of one previous block can build the same headers (a refreshed template that came back
 * to an earlier state, a job differing only in its start ntime), so a set per job would credit one solution once per
 * job. The Ethereum job book keeps the SHA-256 of a share's seal hash and nonce in one the same way (its jobs of one
 * height can share a seal hash).
 *
 * The share path's set: no string and no object per share (a Set of hex strings was a third of the share check's
 * duplicate cost, and ~70 bytes a share). An open-addressing table (linear probing, at most half full) in typed
 * arrays holds the first 8 bytes of each digest (2 words, 18–36 bytes an entry with the slot's mark): two different
 * headers whose SHA-256d agree in 64 bits would be one share. That only ever refuses a share as a duplicate: a header
 * seen before always has the same 8 bytes, so no duplicate is ever missed. By chance it refuses one share in 2^64 / n
 * with n remembered (~5 × 10^-13 a share at 8 million); on purpose it takes a search of 2^32 hashes to make two
 * headers agree, and what that buys is the maker's own second share refused: another miner's digest is not known
 * before it is submitted. These are the digest's first (least significant) bytes, random in every valid share. The
 * slot is a multiplicative hash of the first word with a random salt of the set's own, so no miner can aim digests at
 * one run of slots.
 *
 * Bounded: at `capacity` it refuses to take more rather than forgetting the oldest, because a forgotten share could
 * be credited again under any job still live. The capacity is far above what a pool at sane difficulties accepts
 * in one block interval; reaching it means the minimum difficulty is too low (the job manager logs it).
 */
export class SeenHeaders {
  private words = new Int32Array(WORDS * FIRST_SLOTS);
  private used = new Uint8Array(FIRST_SLOTS);
  /** 32 − log2(slots): the multiplicative hash's top bits are the slot. */
  private shift = 32 - Math.log2(FIRST_SLOTS);
  private count = 0;
  private readonly salt = randomInt(0x7fffffff);

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`share capacity must be >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.count;
  }

  has(digest: Uint8Array): boolean {
    return this.find(digest) >= 0;
  }

  /** Remembers `digest` (a header's SHA-256d, 32 bytes; its first 8 are kept) unless it is there or the set is full. */
  remember(digest: Uint8Array): Remembered {
    const at = this.probe(digest);
    if (at >= 0) return 'seen';
    if (this.count >= this.capacity) return 'full';
    if (2 * (this.count + 1) > this.used.length) {
      this.grow();
      return this.remember(digest);
    }
    const i = -at - 1;
    this.words[WORDS * i] = word(digest, 0);
    this.words[WORDS * i + 1] = word(digest, 4);
    this.used[i] = 1;
    this.count++;
    return 'new';
  }

  /** Forgets `digest` (a share refused after it was remembered: it may come again and be judged again). */
  delete(digest: Uint8Array): void {
    let hole = this.find(digest);
    if (hole < 0) return;
    const words = this.words;
    const used = this.used;
    const mask = used.length - 1;
    // Backward shift: every entry of the run after the hole that may sit there (its home slot is not between the
    // hole and itself) moves into it, so no search stops early at the hole.
    for (let j = (hole + 1) & mask; used[j] === 1; j = (j + 1) & mask) {
      const home = this.slot(words[WORDS * j]!);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        words[WORDS * hole] = words[WORDS * j]!;
        words[WORDS * hole + 1] = words[WORDS * j + 1]!;
        hole = j;
      }
    }
    used[hole] = 0;
    this.count--;
  }

  /** The slot holding `digest`, or -1. */
  private find(digest: Uint8Array): number {
    const at = this.probe(digest);
    return at >= 0 ? at : -1;
  }

  /** The slot holding `digest`, or −1 − the empty slot where its search ended (where it would go). */
  private probe(digest: Uint8Array): number {
    if (digest.length < 8) throw new RangeError('a header digest is 32 bytes');
    const a = word(digest, 0);
    const b = word(digest, 4);
    const words = this.words;
    const used = this.used;
    const mask = used.length - 1;
    let i = this.slot(a);
    for (; used[i] === 1; i = (i + 1) & mask) {
      if (words[WORDS * i] === a && words[WORDS * i + 1] === b) return i;
    }
    return -i - 1;
  }

  private slot(first: number): number {
    return Math.imul(first ^ this.salt, 0x9e3779b1) >>> this.shift;
  }

  /** Twice the slots, every entry placed again. */
  private grow(): void {
    const oldWords = this.words;
    const oldUsed = this.used;
    const slots = 2 * oldUsed.length;
    this.words = new Int32Array(WORDS * slots);
    this.used = new Uint8Array(slots);
    this.shift--;
    const mask = slots - 1;
    const words = this.words;
    const used = this.used;
    for (let k = 0; k < oldUsed.length; k++) {
      if (oldUsed[k] !== 1) continue;
      let i = this.slot(oldWords[WORDS * k]!);
      while (used[i] === 1) i = (i + 1) & mask;
      // Word by word: no subarray object per entry (a growth moves every entry of a block's set).
      words[WORDS * i] = oldWords[WORDS * k]!;
      words[WORDS * i + 1] = oldWords[WORDS * k + 1]!;
      used[i] = 1;
    }
  }
}

/** Four bytes of `bytes` at `at` as a little-endian 32-bit word (signed, as an Int32Array holds it). */
function word(bytes: Uint8Array, at: number): number {
  return bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24);
}
