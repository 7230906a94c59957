/**
 * A small, strict HTTP/1.x response parser for the daemon's kept-alive submit connection (kept-connection.ts). It
 * reads one response, fed in chunks split anywhere: the status line, the headers, then a body framed by
 * Content-Length, by chunked transfer coding, or (HTTP/1.0 style) by the connection's close. Anything it does not
 * understand is an HttpResponseError: the connection is then destroyed, never read again, so a daemon (or proxy)
 * answering something odd cannot leave bytes that the next request would take for its answer (RFC 9112 §6.3: a
 * response whose framing is unclear must close the connection).
 */

export interface HttpResponse {
  status: number;
  body: Buffer;
  /** The connection may carry the next request (HTTP/1.1, no `Connection: close`, framed by length or chunks). */
  keepAlive: boolean;
}

export interface HttpResponseLimits {
  /** Status line, headers and chunked trailers together (and each line). */
  maxHeadBytes: number;
  maxBodyBytes: number;
}

/** A submitblock or getnetworkinfo answer is a few hundred bytes; these bounds only stop a runaway peer. */
export const DEFAULT_RESPONSE_LIMITS: HttpResponseLimits = { maxHeadBytes: 32 * 1024, maxBodyBytes: 16 * 2 ** 20 };

/** The answer could not be read as one HTTP/1.x response. The message names what was wrong, never a header's value. */
export class HttpResponseError extends Error {
  override readonly name = 'HttpResponseError';
  constructor(why: string) {
    super(`malformed HTTP answer: ${why}`);
  }
}

type State =
  | 'status'
  | 'headers'
  | 'length'
  | 'chunk-size'
  | 'chunk-data'
  | 'chunk-end'
  | 'trailers'
  | 'close'
  | 'done';

const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: [^\r\n]*)?$/;
const HEADER_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*(.*?)[ \t]*$/;
const DECIMAL = /^\d{1,15}$/;
/** A chunk size, then optional chunk extensions (ignored). 8 hex digits: up to 4 GiB, far over the body bound. */
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})(?:[ \t]*;.*)?$/;
const CR = 0x0d;
const LF = 0x0a;

export class HttpResponseParser {
  private state: State = 'status';
  private line = '';
  private headBytes = 0;
  private status = 0;
  private minor = 1;
  private headers = new Map<string, string>();
  private remaining = 0;
  private bodyBytes = 0;
  private readonly parts: Buffer[] = [];
  private keepAlive = true;
  private response: HttpResponse | undefined;
  /** Bytes that came after the complete response (a peer out of step with us: the connection must not be reused). */
  trailing = 0;
  /** Whether any byte of an answer has arrived. */
  started = false;

  constructor(private readonly limits: HttpResponseLimits = DEFAULT_RESPONSE_LIMITS) {}

  /** Feeds the next bytes; the response once it is complete (then `trailing` counts what came after it). */
  push(chunk: Buffer): HttpResponse | undefined {
    if (chunk.length > 0) this.started = true;
    let at = 0;
    while (at < chunk.length && this.state !== 'done') {
      switch (this.state) {
        case 'status':
        case 'headers':
        case 'chunk-size':
        case 'chunk-end':
        case 'trailers': {
          const end = chunk.indexOf(LF, at);
          const stop = end === -1 ? chunk.length : end + 1;
          this.headBytes += stop - at;
          if (this.headBytes > this.limits.maxHeadBytes) throw new HttpResponseError('headers too long');
          this.line += chunk.toString('latin1', at, end === -1 ? chunk.length : end);
          at = stop;
          if (end !== -1) {
            const line = this.line;
            this.line = '';
            if (line.charCodeAt(line.length - 1) !== CR) throw new HttpResponseError('a line not ended by CRLF');
            this.onLine(line.slice(0, -1));
          }
          break;
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.remaining, chunk.length - at);
          this.parts.push(chunk.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = this.state === 'length' ? this.finish() : 'chunk-end';
          break;
        }
        case 'close':
          this.addBody(chunk.length - at);
          this.parts.push(chunk.subarray(at));
          at = chunk.length;
          break;
      }
    }
    this.trailing += chunk.length - at;
    return this.response;
  }

  /** The peer closed the connection: the response, if it was complete or its body ran to the close. */
  end(): HttpResponse {
    if (this.state === 'close') this.finish();
    if (this.response) return this.response;
    throw new HttpResponseError(this.started ? 'the connection closed mid-answer' : 'the connection closed unanswered');
  }

  private onLine(line: string): void {
    if (line.includes('\r')) throw new HttpResponseError('a bare CR in a line');
    switch (this.state) {
      case 'status': {
        const m = STATUS_LINE.exec(line);
        if (!m) throw new HttpResponseError('not an HTTP/1.x status line');
        this.minor = Number(m[1]);
        this.status = Number(m[2]);
        if (this.status === 101) throw new HttpResponseError('a protocol switch was not asked for');
        this.state = 'headers';
        return;
      }
      case 'headers':
        if (line === '') this.onHead();
        else this.onHeader(line);
        return;
      case 'chunk-size': {
        const m = CHUNK_SIZE.exec(line);
        if (!m) throw new HttpResponseError('a chunk size is not hexadecimal');
        const size = Number.parseInt(m[1] as string, 16);
        if (size === 0) this.state = 'trailers';
        else {
          this.addBody(size);
          this.remaining = size;
          this.state = 'chunk-data';
        }
        return;
      }
      case 'chunk-end':
        if (line !== '') throw new HttpResponseError('a chunk longer than its size');
        this.state = 'chunk-size';
        return;
      case 'trailers':
        if (line === '') this.state = this.finish();
        else if (!HEADER_LINE.test(line)) throw new HttpResponseError('a malformed trailer line');
        return;
    }
  }

  private onHeader(line: string): void {
    if (line.startsWith(' ') || line.startsWith('\t')) throw new HttpResponseError('a folded header line');
    const m = HEADER_LINE.exec(line);
    if (!m) throw new HttpResponseError('a malformed header line');
    const name = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (hasControl(value)) throw new HttpResponseError(`a control character in ${name}`);
    const before = this.headers.get(name);
    this.headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }

  /** The headers are complete: how the body is framed. */
  private onHead(): void {
    if (this.status < 200) {
      // 1xx (100 Continue, 103 Early Hints) come before the response proper and have no body: skip them.
      this.headers = new Map();
      this.state = 'status';
      return;
    }
    const connection = (this.headers.get('connection') ?? '').toLowerCase().split(',');
    if (this.minor === 0 || connection.some((t) => t.trim() === 'close')) this.keepAlive = false;
    const encoding = this.headers.get('transfer-encoding');
    const length = this.headers.get('content-length');
    if (this.status === 204 || this.status === 304) {
      // No body, whatever the headers say (RFC 9112 §6.3); one announced is a peer out of step with us.
      if (encoding !== undefined || (length !== undefined && length.trim() !== '0')) {
        throw new HttpResponseError(`a body on ${this.status}`);
      }
      this.state = this.finish();
      return;
    }
    if (encoding !== undefined) {
      // Both framings at once is how responses get split differently by two parsers: refused, not guessed.
      if (length !== undefined) throw new HttpResponseError('both Transfer-Encoding and Content-Length');
      if (encoding.trim().toLowerCase() !== 'chunked' || this.minor === 0) {
        throw new HttpResponseError('a transfer coding other than chunked');
      }
      this.state = 'chunk-size';
      return;
    }
    if (length !== undefined) {
      // A list is allowed only of one repeated value (RFC 9110 §8.6).
      const values = new Set(length.split(',').map((v) => v.trim()));
      const [only] = values;
      if (values.size !== 1 || only === undefined || !DECIMAL.test(only)) {
        throw new HttpResponseError('Content-Length is not one decimal number');
      }
      this.remaining = Number(only);
      this.addBody(this.remaining);
      this.state = this.remaining === 0 ? this.finish() : 'length';
      return;
    }
    // Neither: the body runs to the connection's close, which then cannot carry another request.
    this.keepAlive = false;
    this.state = 'close';
  }

  private addBody(bytes: number): void {
    this.bodyBytes += bytes;
    if (this.bodyBytes > this.limits.maxBodyBytes) throw new HttpResponseError('body too large');
  }

  private finish(): 'done' {
    const body = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    this.response = { status: this.status, body, keepAlive: this.keepAlive };
    this.state = 'done';
    return 'done';
  }
}

/** Control characters other than horizontal tab are not allowed in a header value (RFC 9110 §5.5). */
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}
