import { closeSync, fsyncSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';

/**
 * The stand-in's files. Blocks go to an append-only file, one block per line as hex, each line written whole and
 * fsynced before the block counts as accepted; a crash mid-write leaves at most a last line without its newline,
 * which the next start cuts off (that block was never acknowledged). Small state (the wallet) is written to a new
 * file, fsynced, and renamed over the old one, so it is always the old or the new version, never half.
 */

export class BlockFile {
  constructor(private readonly path: string) {}

  /** Every complete line, in order; a torn last line is truncated away. */
  load(): Buffer[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) truncateSync(this.path, end);
    return text
      .slice(0, end)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => Buffer.from(line, 'hex'));
  }

  /** Cuts the file back to its first `count` blocks (a stored block that no longer passes the rules, and after). */
  keep(count: number): void {
    const lines = this.load().slice(0, count);
    writeDurably(this.path, lines.map((b) => `${b.toString('hex')}\n`).join(''));
  }

  append(block: Buffer): void {
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, `${block.toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Writes a new file next to `path`, fsyncs it and renames it over `path`; owner-only. */
export function writeDurably(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function readJsonFile<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path} is not readable JSON; delete the stand-in's data directory to start over`, {
      cause: err,
    });
  }
}
