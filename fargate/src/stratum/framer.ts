import { StringDecoder } from 'node:string_decoder';

export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
  }
}

/**
 * Splits a byte stream into lines (\n, with an optional \r before it). A line over `maxLineBytes` throws
 * LineTooLongError — checked on the buffered remainder too, so a client cannot grow memory by never sending \n.
 * Multi-byte UTF-8 characters split across chunks are reassembled.
 */
export class LineFramer {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly maxLineBytes: number) {}

  /** Bytes of an unfinished line held back, never more than the limit (+1 for a \r): a slow client's line. */
  get bufferedBytes(): number {
    return Buffer.byteLength(this.partial);
  }

  push(chunk: Buffer): string[] {
    const text = this.partial + this.decoder.write(chunk);
    const parts = text.split('\n');
    const partial = parts.pop() ?? '';
    // A trailing \r may be the first half of this line's \r\n: it does not count, or a line of exactly the limit
    // would be refused only when its \r\n happens to be split between two chunks.
    const partialBytes = Buffer.byteLength(partial) - (partial.endsWith('\r') ? 1 : 0);
    this.partial = partialBytes > this.maxLineBytes ? '' : partial;
    if (partialBytes > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
    const lines: string[] = [];
    for (const raw of parts) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (Buffer.byteLength(line) > this.maxLineBytes) throw new LineTooLongError(this.maxLineBytes);
      if (line.trim().length > 0) lines.push(line);
    }
    return lines;
  }
}
