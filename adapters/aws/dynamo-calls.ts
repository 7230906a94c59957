import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StorageError } from '../../core/errors.js';

/** Infrastructure errors become StorageError, named after the operation. */
export function toStorageError(op: string, err: unknown): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as Error;
  return new StorageError(`DynamoDB ${op} failed: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, { cause: err });
}

export function isConditionFailed(err: unknown): boolean {
  return (err as Error)?.name === 'ConditionalCheckFailedException';
}

/** Runs a DynamoDB call; any failure becomes a StorageError. */
export async function dynamoCall<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStorageError(op, err);
  }
}

/** Runs a conditional write: false when the condition failed (already done), StorageError for anything else. */
export async function conditionalWrite(op: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw toStorageError(op, err);
  }
}

/** lib-dynamodb returns NumberValue objects when `wrapNumbers` is on; plain numbers otherwise. */
export function num(v: unknown): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : Number(String(v));
}

/** Every item a query matches, page after page; failures become StorageError named after `op`. */
export async function queryAll(
  doc: DynamoDBDocumentClient,
  op: string,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamoCall(op, () =>
      doc.send(new QueryCommand({ ...input, ...(start && { ExclusiveStartKey: start }) })),
    );
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/**
 * The items of these keys that exist (any order), BatchGetItem by a hundred keys; keys DynamoDB leaves unprocessed
 * (throttling) are asked again.
 */
export async function batchGetAll(
  doc: DynamoDBDocumentClient,
  op: string,
  table: string,
  keys: readonly Record<string, unknown>[],
  consistent = false,
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let ask: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    while (ask && ask.length > 0) {
      const Keys: Record<string, unknown>[] = ask;
      const page: BatchGetCommandOutput = await dynamoCall(op, () =>
        doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys, ConsistentRead: consistent } } })),
      );
      out.push(...(page.Responses?.[table] ?? []));
      ask = page.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return out;
}
