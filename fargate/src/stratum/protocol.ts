import { StratumCode } from '../../../core/errors.js';

export type RequestId = string | number | null;

export interface StratumRequest {
  id: RequestId;
  method: string;
  params: unknown[];
  /** EthProxy's top-level worker name (ethminer: `"worker":"rig1"` beside the params), when a string. */
  worker?: string;
}

/** A line that is not a usable request; `id` is echoed when it could be read. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly id: RequestId = null,
  ) {
    super(message);
  }
}

/** Deepest JSON nesting accepted: real stratum messages nest 3 levels; this keeps hostile input cheap. */
const MAX_DEPTH = 8;

/**
 * Parses one stratum (JSON-RPC 1.0 style) line. Requests need a string `method` and an array `params` (a missing
 * `params` is taken as []); ids may be numbers, strings or null.
 */
export function parseRequest(line: string): StratumRequest {
  if (nestingDepth(line) > MAX_DEPTH) throw new ProtocolError(`JSON nested deeper than ${MAX_DEPTH} levels`);
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    throw new ProtocolError('Parse error: not JSON');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg))
    throw new ProtocolError('Invalid request: not an object');
  const o = msg as Record<string, unknown>;
  const id = o.id;
  const validId: RequestId = typeof id === 'number' || typeof id === 'string' ? id : null;
  if (id !== undefined && id !== null && validId === null) throw new ProtocolError('Invalid request: bad id');
  if (typeof o.method !== 'string' || o.method.length === 0 || o.method.length > 64) {
    throw new ProtocolError('Invalid request: missing method', validId);
  }
  const params = o.params === undefined || o.params === null ? [] : o.params;
  if (!Array.isArray(params)) throw new ProtocolError('Invalid request: params must be an array', validId);
  const request: StratumRequest = { id: validId, method: o.method, params };
  if (typeof o.worker === 'string') request.worker = o.worker;
  return request;
}

function nestingDepth(line: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/**
 * A numeric parameter as miners send it: a JSON number or a numeric string. Anything else (an object, an array,
 * a boolean) is NaN; `Number()` on a hostile object such as `{"toString":1}` would throw instead.
 */
export function numberParam(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') return Number(value);
  return Number.NaN;
}

export type ErrorTriple = [code: number, message: string, traceback: null];

export function errorTriple(code: number, message: string): ErrorTriple {
  return [code, message, null];
}

export function encodeResult(id: RequestId, result: unknown): string {
  // `true` answers every accepted share: skip building and serializing an object for it.
  if (result === true) return `{"id":${JSON.stringify(id)},"result":true,"error":null}\n`;
  return `${JSON.stringify({ id, result, error: null })}\n`;
}

export function encodeError(id: RequestId, code: number, message: string, result: unknown = null): string {
  return `${JSON.stringify({ id, result, error: errorTriple(code, message) })}\n`;
}

export function encodeNotification(method: string, params: unknown[]): string {
  return `${JSON.stringify({ id: null, method, params })}\n`;
}

/** How a dialect writes its lines: answers, refusals and notifications. */
export interface WireFormat {
  result(id: RequestId, result: unknown): string;
  /** An error answer; `result` goes beside it (mining.authorize answers false with its error). */
  error(id: RequestId, code: number, message: string, result?: unknown): string;
  notification(method: string, params: unknown[]): string;
}

/** Stratum's JSON-RPC 1.0 lines (Stratum V1, EthereumStratum/1.0.0): errors as [code, message, null]. */
export const STRATUM_WIRE: WireFormat = Object.freeze({
  result: encodeResult,
  error: encodeError,
  notification: encodeNotification,
});

export { StratumCode };
