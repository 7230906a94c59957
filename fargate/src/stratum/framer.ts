import { trimmed } from './protocol.js';

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
  }
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines (\n, with an optional \r before it). A line over `maxLineBytes` throws
 * LineTooLongError — checked on the buffered remainder too, so a client cannot grow memory by never sending \n.
 *
 * Linear in the bytes received however they are chunked: only the new chunk is searched for \n, and an unfinished
 * line is kept in one growing buffer (amortized copies), decoded once it is complete. A 64 KiB line dripped a byte at
 * a time re-scanned and re-measured the whole pending string per byte before (bench/framer.ts, docs/performance.md).
 * Splitting bytes on 0x0a is safe for UTF-8: that byte never occurs inside a multi-byte character, so a character
 * split across chunks is decoded whole with its line.
 */
/** The unfinished line of a connection that has none: one empty Buffer for all (an idle connection allocates none). */
const NO_BYTES = Buffer.alloc(0);

export class LineFramer {
  private partial = NO_BYTES;
  private partialBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  /** Bytes of an unfinished line held back, never more than the limit (+1 for a \r): a slow client's line. */
  get bufferedBytes(): number {
    return this.partialBytes;
  }

  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      // The line's bytes are src[from, to): in the chunk itself unless part of it came before (no view is made of
      // the chunk for a line it holds whole: a share's line made one a share).
      let src = chunk;
      let from = start;
      let to = nl;
      start = nl + 1;
      if (this.partialBytes > 0) {
        this.append(chunk.subarray(from, to));
        src = this.partial;
        from = 0;
        to = this.partialBytes;
        this.partialBytes = 0;
      }
      const end = to > from && src[to - 1] === CR ? to - 1 : to;
      if (end - from > this.maxLineBytes) throw this.tooLong();
      const line = src.toString('utf8', from, end);
      // Invalid UTF-8 decodes to U+FFFD (3 bytes): what the handlers get stays within the limit too. A byte decodes
      // to at most 3, so a line of a third of the limit (every share) needs no second pass to measure it.
      if ((end - from) * 3 > this.maxLineBytes && Buffer.byteLength(line) > this.maxLineBytes) throw this.tooLong();
      // Blank lines (whitespace only, Unicode's included) are skipped.
      if (trimmed(line).length > 0) lines.push(line);
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
    // A trailing \r may be the first half of this line's \r\n: it does not count, or a line of exactly the limit
    // would be refused only when its \r\n happens to be split between two chunks.
    const pending = this.partialBytes - (this.partial[this.partialBytes - 1] === CR ? 1 : 0);
    if (pending > this.maxLineBytes) throw this.tooLong();
    return lines;
  }

  /** Adds bytes to the unfinished line, doubling the buffer when it is full (never beyond limit + a chunk). */
  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const needed = this.partialBytes + bytes.length;
    if (needed > this.partial.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, Math.min(this.partial.length * 2, this.maxLineBytes + 2), 256));
      this.partial.copy(grown, 0, 0, this.partialBytes);
      this.partial = grown;
    }
    bytes.copy(this.partial, this.partialBytes);
    this.partialBytes = needed;
  }

  private tooLong(): LineTooLongError {
    this.partialBytes = 0;
    this.partial = NO_BYTES;
    return new LineTooLongError(this.maxLineBytes);
  }
}
