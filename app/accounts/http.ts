import type { z } from 'zod';
import { BadRequestError } from '../../core/errors.js';
import { jsonSafe } from '../../core/json.js';
import type { AccountResponse } from './route.js';

/**
 * The account API's two edge helpers, for every route under it (app/accounts/api.ts, the notification routes): a
 * JSON body checked by a zod schema, and a JSON answer that is never cached.
 */

/** A route's JSON body, checked; one that does not parse or match is a 400 naming the field, never its value. */
export function parseBody<S extends z.ZodType>(schema: S, body: string | undefined): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(body || '{}');
  } catch {
    throw new BadRequestError('the body is not JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BadRequestError(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/** A JSON answer with `cache-control: no-store` (bigints as strings). */
export function jsonAnswer(status: number, body: unknown): AccountResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify(jsonSafe(body)),
  };
}
