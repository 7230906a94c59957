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
 * `params` is taken as []); ids may be numbers, strings or null. A mining.submit line of the usual shape is read by
 * parseSubmitLine; every other line (and any submit it does not take) by the full parse, parseJsonRequest.
 */
export function parseRequest(line: string): StratumRequest {
  return parseSubmitLine(line) ?? parseJsonRequest(line);
}

/** The full parse of a line: the depth scan, JSON.parse, then the request's shape. */
export function parseJsonRequest(line: string): StratumRequest {
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

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
/**
 * What keeps a line off the shortcut: a backslash (an escape to decode) or a control character (JSON refuses it raw in
 * a string; tab, CR and LF between tokens are JSON's whitespace, but miners do not send them). One native scan: a
 * loop of charCodeAt costs V8 several times more a character.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const NOT_PLAIN = /[\u0000-\u001f\\]/;

/**
 * The character code at `i`, or -1 past the end. charCodeAt would give NaN there, and V8 stops inlining a
 * charCodeAt that has once read past the end: every line's last skipSpace did, and the shortcut then paid a
 * builtin call for each of its ~24 reads (docs/performance.md, "the submit line's reads").
 */
function codeAt(line: string, i: number): number {
  return i < line.length ? line.charCodeAt(i) : -1;
}

/**
 * `text` without surrounding whitespace, as String#trim gives it. Text that starts and ends with a printable ASCII
 * character (a miner's line, its username) is returned as it is: two reads instead of a trim call.
 */
export function trimmed(text: string): string {
  if (text.length === 0) return text;
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f ? text : text.trim();
}

function skipSpace(line: string, i: number): number {
  while (codeAt(line, i) === 0x20) i++;
  return i;
}

/** The index after the string that starts at `i` (its opening quote), or -1; the line has no escape in it. */
function plainStringEnd(line: string, i: number): number {
  if (codeAt(line, i) !== QUOTE) return -1;
  const close = line.indexOf('"', i + 1);
  return close < 0 ? -1 : close + 1;
}

/** The index after a JSON integer at `i` of at most 15 digits (exact as a double, no sign, no leading 0), or -1. */
function smallIntegerEnd(line: string, i: number): number {
  const first = codeAt(line, i);
  if (first === 0x30) return i + 1; // "0"; a digit after it is refused by what must follow (",", "}" or space)
  if (first < 0x31 || first > 0x39) return -1;
  let j = i + 1;
  for (; j - i < 15; j++) {
    const c = codeAt(line, j);
    if (c < 0x30 || c > 0x39) break;
  }
  return j;
}

/** Where the shortcut's params start and end (quotes excluded), reused: the line's strings are cut once it is read. */
const PARAM_AT = new Int32Array(12);

/**
 * A mining.submit line of the usual shape read without JSON.parse and the nesting scan (the share path's budget:
 * docs/performance.md): one object of exactly the keys "id", "method" and "params" in any order, spaces between
 * tokens, `id` null, an integer of at most 15 digits or a string, `method` "mining.submit", `params` 5 or 6
 * strings, and no backslash or control character anywhere in the line (so no string has an escape, and each is
 * its characters as they are: what JSON.parse makes of it). Returns exactly what parseJsonRequest returns for such
 * a line, and undefined for any other line, which then goes through the full parse (so its answer or refusal is the
 * full parse's). test/fargate/stratum/submit-line.test.ts holds the two to each other on random and mutated lines.
 */
export function parseSubmitLine(line: string): StratumRequest | undefined {
  if (NOT_PLAIN.test(line)) return undefined;
  let i = skipSpace(line, 0);
  if (codeAt(line, i) !== 0x7b) return undefined;
  let id: RequestId | undefined;
  let method = false;
  let count = -1; // params read: -1 before the key
  for (let key = 0; key < 3; key++) {
    i = skipSpace(line, i + 1); // past "{" or ","
    const keyEnd = plainStringEnd(line, i);
    if (keyEnd < 0) return undefined;
    const name = keyEnd - i;
    const at = i + 1;
    i = skipSpace(line, keyEnd);
    if (codeAt(line, i) !== COLON) return undefined;
    i = skipSpace(line, i + 1);
    if (name === 4 && line.startsWith('id"', at) && id === undefined) {
      const c = codeAt(line, i);
      let end: number;
      if (c === QUOTE) {
        end = plainStringEnd(line, i);
        if (end < 0) return undefined;
        id = line.slice(i + 1, end - 1);
      } else if (c === 0x6e) {
        if (!line.startsWith('null', i)) return undefined;
        end = i + 4;
        id = null;
      } else {
        end = smallIntegerEnd(line, i);
        if (end < 0) return undefined;
        let n = 0; // at most 15 digits: exact, as JSON.parse reads them
        for (let k = i; k < end; k++) n = n * 10 + (line.charCodeAt(k) - 0x30);
        id = n;
      }
      i = end;
    } else if (name === 8 && line.startsWith('method"', at) && !method) {
      if (!line.startsWith('"mining.submit"', i)) return undefined;
      method = true;
      i += 15;
    } else if (name === 8 && line.startsWith('params"', at) && count < 0) {
      if (codeAt(line, i) !== 0x5b) return undefined;
      count = 0;
      for (;;) {
        i = skipSpace(line, i + 1); // past "[" or ","
        const end = plainStringEnd(line, i);
        if (end < 0 || count === 6) return undefined;
        PARAM_AT[2 * count] = i + 1;
        PARAM_AT[2 * count + 1] = end - 1;
        count++;
        i = skipSpace(line, end);
        const c = codeAt(line, i);
        if (c === 0x5d) break;
        if (c !== COMMA) return undefined;
      }
      if (count < 5) return undefined;
      i++;
    } else return undefined;
    i = skipSpace(line, i);
    if (codeAt(line, i) !== (key < 2 ? COMMA : 0x7d)) return undefined;
  }
  if (skipSpace(line, i + 1) !== line.length) return undefined;
  // Cut once the line is read (a line deferred to the full parse cuts nothing), into an array of its exact size.
  const at = PARAM_AT;
  const username = line.slice(at[0], at[1]);
  const jobId = line.slice(at[2], at[3]);
  const extranonce2 = line.slice(at[4], at[5]);
  const ntime = line.slice(at[6], at[7]);
  const nonce = line.slice(at[8], at[9]);
  const params =
    count === 5
      ? [username, jobId, extranonce2, ntime, nonce]
      : [username, jobId, extranonce2, ntime, nonce, line.slice(at[10], at[11])];
  return { id: id!, method: 'mining.submit', params };
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
  // `true` answers every accepted share: skip building and serializing an object for it, and for a finite number
  // id (what miners send) JSON.stringify too: a number's JSON is its string (a call of ~700 instructions a share).
  if (result === true) {
    const idJson = typeof id === 'number' && Number.isFinite(id) ? `${id}` : JSON.stringify(id);
    return `{"id":${idJson},"result":true,"error":null}\n`;
  }
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
