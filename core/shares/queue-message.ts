import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { InvalidMessageError, StorageError } from '../errors.js';
import { parseShareBatch, shareBatchSchema } from './batch-schema.js';
import type { ShareBatch } from './share.js';
import { decodeShareTable, encodeShareTable } from './share-table.js';

/**
 * The queue message format. v1: one batch as plain JSON (what the local queue carries, and what older stratum
 * servers sent). v2: `gz:` + base64(gzip(JSON { v: 2, batches })), several batches in one message: share JSON
 * repeats its keys and addresses, so gzip packs ~6–10× more shares into SQS's 256 KiB, which is what makes a
 * SendMessageBatch carry thousands of shares instead of one 25 ms window. Each batch keeps its own id: ingest
 * counts every batch of a message once, whatever happens to the message. v3 (what the stratum servers send now):
 * `tab:` + base64 of the same batches as a share table (core/shares/share-table.ts): their plain shares as columns,
 * the random bytes of each (its hash, its actual difficulty) raw outside the gzip. Ingest reads all three.
 */
export const COMPRESSED_PREFIX = 'gz:';
export const TABLE_PREFIX = 'tab:';

/**
 * zlib's fastest level: the stratum process encodes every batch on its event loop, and level 6 cost it 0.8–1.1 µs
 * more a share for 4–7 % fewer bytes with v2 (docs/performance.md).
 */
const GZIP_LEVEL = 1;

/** Most batches per message and most bytes a message may inflate to (a hostile body cannot exhaust memory). */
const MAX_BATCHES = 500;
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

const batchesSchema = z.array(shareBatchSchema).min(1).max(MAX_BATCHES);
const messageV2Schema = z.strictObject({ v: z.literal(2), batches: batchesSchema });

/**
 * Bodies for `batches`, in order, each at most `maxBytes`: as few compressed messages as fit, split in halves
 * (deterministically) where they do not; a single batch too big even compressed is split into `<id>.0`/`<id>.1`
 * sub-batches as for v1. Without compression: one v1 body per batch.
 */
export function encodeMessages(batches: readonly ShareBatch[], maxBytes: number, compress = true): string[] {
  if (!compress) return batches.flatMap((b) => encodePlain(b, maxBytes));
  const out: string[] = [];
  const pack = (group: readonly ShareBatch[]): void => {
    if (group.length === 0) return;
    if (group.length <= MAX_BATCHES) {
      const body = compressed(group);
      if (messageBytes(body) <= maxBytes) {
        out.push(body);
        return;
      }
    }
    if (group.length === 1) {
      for (const part of halves(group[0]!)) pack([part]);
      return;
    }
    const mid = Math.ceil(group.length / 2);
    pack(group.slice(0, mid));
    pack(group.slice(mid));
  };
  pack(batches);
  return out;
}

/**
 * A message body's size in bytes (UTF-8, as SQS counts it). A v2 or v3 body is its ASCII prefix and base64, one byte a
 * character: its length, without the scan `Buffer.byteLength` makes of every character (~550 instructions a share on
 * the stratum server, where each body was measured twice: docs/performance.md, "Ninth stop"). A v1 body is JSON,
 * whose worker names may be any Unicode.
 */
export function messageBytes(body: string): number {
  return body.startsWith(TABLE_PREFIX) || body.startsWith(COMPRESSED_PREFIX) ? body.length : Buffer.byteLength(body);
}

/** The batches of a message body, v1 or v2; throws an Error naming what is wrong. */
export function decodeMessage(body: string): ShareBatch[] {
  if (body.startsWith(TABLE_PREFIX)) {
    const bytes = Buffer.from(body.slice(TABLE_PREFIX.length), 'base64');
    const result = batchesSchema.safeParse(decodeShareTable(bytes, MAX_INFLATED_BYTES, MAX_BATCHES));
    if (!result.success) throw new InvalidMessageError(`not a share message: ${z.prettifyError(result.error)}`);
    return result.data as ShareBatch[];
  }
  if (!body.startsWith(COMPRESSED_PREFIX)) return [parseShareBatch(body)];
  let json: unknown;
  try {
    const raw = gunzipSync(Buffer.from(body.slice(COMPRESSED_PREFIX.length), 'base64'), {
      maxOutputLength: MAX_INFLATED_BYTES,
    });
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new InvalidMessageError(`compressed body does not inflate to JSON: ${(err as Error).message}`);
  }
  const result = messageV2Schema.safeParse(json);
  if (!result.success) throw new InvalidMessageError(`not a share message: ${z.prettifyError(result.error)}`);
  return result.data.batches as ShareBatch[];
}

function compressed(batches: readonly ShareBatch[]): string {
  return TABLE_PREFIX + encodeShareTable(batches, GZIP_LEVEL).toString('base64');
}

function encodePlain(batch: ShareBatch, maxBytes: number): string[] {
  const body = JSON.stringify(batch);
  return messageBytes(body) <= maxBytes ? [body] : halves(batch).flatMap((b) => encodePlain(b, maxBytes));
}

function halves(batch: ShareBatch): [ShareBatch, ShareBatch] {
  if (batch.shares.length < 2) {
    throw new StorageError(`share batch ${batch.batchId} has one share bigger than a queue message`);
  }
  const half = Math.ceil(batch.shares.length / 2);
  // The refused-share counts travel in the first half only: in both, they would count twice. Aux payout addresses
  // too: they would count once anyway (the first stays), but need not travel twice.
  const { rejected: _rejected, auxAddresses: _auxAddresses, ...second } = batch;
  return [
    { ...batch, batchId: `${batch.batchId}.0`, shares: batch.shares.slice(0, half) },
    { ...second, batchId: `${batch.batchId}.1`, shares: batch.shares.slice(half) },
  ];
}
