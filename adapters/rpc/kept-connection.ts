import { channel } from 'node:diagnostics_channel';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect } from 'node:tls';
import { HttpResponseError, HttpResponseParser } from './http1-response.js';

/**
 * Each request of a kept connection is published here when its bytes are handed to the socket (`created`) and when
 * the kernel has taken all of them (`written`: at once when libuv wrote them within the call, else from the write
 * callback): bench/submit.ts times a found block's way with it. Nothing is published while nobody subscribes.
 */
export const keptRequestChannel = channel('edgepool.daemon.kept-request');
export type KeptRequestEvent = { phase: 'created' | 'written' };

export interface KeptConnectionOptions {
  /** `Basic …`, sent in every request's Authorization header and nowhere else. */
  authorization: string;
  /** An idle socket is closed after this long (under the daemon's own idle timeout). */
  idleMs: number;
  /** Sockets open at once (busy or idle); a request beyond them waits for one. */
  maxSockets: number;
}

/** A kept socket the daemon had closed: the request never reached it and may be sent again. */
export class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/** One request in flight on a socket. */
interface Exchange {
  readonly pieces: readonly string[];
  readonly encoding: BufferEncoding;
  readonly length: number;
  readonly deadline: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (r: { status: number; text: string }) => void;
  readonly reject: (err: unknown) => void;
  parser: HttpResponseParser;
  /** The socket had carried an answer before this request (so the daemon may have closed it meanwhile). */
  reused: boolean;
  timer?: NodeJS.Timeout;
  onAbort?: () => void;
  settled: boolean;
  /** `written` was published for it (keptRequestChannel). */
  announced?: boolean;
}

interface Kept {
  socket: Socket;
  exchange: Exchange | undefined;
  /** Answers it carried. */
  answered: number;
  /** The request's bytes are not all written yet: an answer before that leaves the socket unusable. */
  writing: boolean;
}

/**
 * HTTP/1.1 POSTs to one endpoint over kept-alive sockets, the request written by hand: the request line and headers
 * (built once but for the length) and the body's pieces go to the socket in one corked write, in the caller's turn,
 * where node:http would first assign a socket from its agent and write on a later tick. The answer is read by the
 * strict HttpResponseParser; an answer it cannot read, bytes from the daemon while no request is out, a timeout or an
 * abort destroy that socket, so nothing the daemon sent out of step is taken for the answer to a later request.
 */
export class KeptConnection {
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;
  /** The request line and headers up to the Content-Length value. */
  private readonly head: string;
  private readonly idle: Kept[] = [];
  private readonly all = new Set<Kept>();
  private readonly waiting: Exchange[] = [];

  constructor(
    endpoint: string,
    private readonly o: KeptConnectionOptions,
  ) {
    const u = new URL(endpoint);
    this.tls = u.protocol === 'https:';
    // An IPv6 literal comes bracketed in URL.hostname; net.connect wants it bare.
    this.host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    this.port = u.port !== '' ? Number(u.port) : this.tls ? 443 : 80;
    // The WHATWG URL parser drops CR, LF and tabs and percent-encodes spaces in the path: the head cannot be split.
    this.head =
      `POST ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: ${o.authorization}\r\n` +
      'Content-Type: application/json\r\nContent-Length: ';
  }

  /**
   * One POST; `pieces` are the body (their concatenation), ASCII unless given as one string. Sent again once on a new
   * socket when a kept one turns out closed by the daemon (the caller's requests are idempotent: submitblock, health
   * checks). Rejects with a TimeoutError at `deadline` (performance.now()), with the signal's reason when it aborts.
   */
  async post(
    body: string | readonly string[],
    deadline: number,
    signal?: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    try {
      return await this.send(body, deadline, signal);
    } catch (err) {
      if (!(err instanceof StaleSocketError)) throw err;
      // The daemon closed one idle socket (restarted, or its idle timeout): the others are no better.
      for (const k of this.idle.splice(0)) k.socket.destroy();
      return this.send(body, deadline, signal);
    }
  }

  /** Closes every socket (a daemon delays its shutdown while one is open); requests out fail. Later posts reopen. */
  close(): void {
    const closed = new Error('the connection was closed');
    for (const e of this.waiting.splice(0)) this.settle(e, closed);
    for (const k of this.all) {
      if (k.exchange) this.settle(k.exchange, closed);
      k.socket.destroy();
    }
  }

  private send(
    body: string | readonly string[],
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const one = typeof body === 'string';
      let length = 0;
      if (one) length = Buffer.byteLength(body);
      else for (const p of body) length += p.length; // ASCII: JSON and hex
      const e: Exchange = {
        pieces: one ? [body] : body,
        encoding: one ? 'utf8' : 'latin1',
        length,
        deadline,
        signal,
        resolve,
        reject,
        parser: new HttpResponseParser(),
        reused: false,
        settled: false,
      };
      const kept = this.idle.pop() ?? (this.all.size < this.o.maxSockets ? this.open() : undefined);
      if (kept) this.write(kept, e);
      else this.waiting.push(e);
      // The deadline and the abort are armed once the request is on its way: a found block's bytes leave first.
      if (e.settled) return;
      e.timer = setTimeout(
        () => this.fail(e, new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
        Math.max(0, deadline - performance.now()),
      );
      if (signal) {
        e.onAbort = () => this.fail(e, signal.reason);
        signal.addEventListener('abort', e.onAbort, { once: true });
      }
    });
  }

  private open(): Kept {
    const socket = this.tls
      ? tlsConnect({ host: this.host, port: this.port, ...(isIP(this.host) === 0 && { servername: this.host }) })
      : netConnect({ host: this.host, port: this.port });
    // A body in pieces is several buffers: never held back by Nagle waiting for the daemon's delayed ACK.
    socket.setNoDelay(true);
    const k: Kept = { socket, exchange: undefined, answered: 0, writing: false };
    this.all.add(k);
    socket.on('data', (chunk: Buffer) => this.onData(k, chunk));
    socket.on('timeout', () => socket.destroy()); // idle for o.idleMs (armed only while idle)
    socket.on('error', (err: NodeJS.ErrnoException) => this.onClose(k, err));
    socket.on('end', () => socket.destroy());
    socket.on('close', () => this.onClose(k, undefined));
    return k;
  }

  /** The request on the socket: one corked write of the head and the body's pieces (one writev). */
  private write(k: Kept, e: Exchange): void {
    k.exchange = e;
    e.reused = k.answered > 0;
    const { socket } = k;
    socket.setTimeout(0);
    socket.ref();
    if (keptRequestChannel.hasSubscribers) keptRequestChannel.publish({ phase: 'created' } satisfies KeptRequestEvent);
    k.writing = true;
    const done = () => {
      k.writing = false;
      if (keptRequestChannel.hasSubscribers) announceWritten(e);
    };
    const { pieces, encoding } = e;
    socket.cork();
    socket.write(`${this.head}${e.length}\r\n\r\n`, 'latin1', pieces.length === 0 ? done : undefined);
    for (let i = 0; i < pieces.length; i++) {
      socket.write(pieces[i] as string, encoding, i === pieces.length - 1 ? done : undefined);
    }
    socket.uncork();
    // Nothing left in the stream's buffer: libuv's write took every byte within this call, so the request is in the
    // kernel now (the callback runs only after the caller's microtasks). Otherwise the callback says when.
    if (keptRequestChannel.hasSubscribers && socket.writableLength === 0) announceWritten(e);
  }

  private onData(k: Kept, chunk: Buffer): void {
    const e = k.exchange;
    if (!e || e.settled) {
      // Bytes nobody asked for (or after a timeout): the daemon is out of step with us; the socket can carry nothing more.
      k.socket.destroy();
      return;
    }
    let response: ReturnType<HttpResponseParser['push']>;
    try {
      response = e.parser.push(chunk);
    } catch (err) {
      k.socket.destroy();
      this.fail(e, err);
      return;
    }
    if (!response) return;
    k.exchange = undefined;
    k.answered++;
    this.settle(e, undefined, { status: response.status, text: response.body.toString('utf8') });
    // Bytes after the answer, or an answer before the request was all written (the daemon would read the rest as a
    // request of its own): the socket is out of step, never reused.
    if (!response.keepAlive || e.parser.trailing > 0 || k.writing) k.socket.destroy();
    else this.release(k);
  }

  /** A socket free again: to the next waiting request, or idle (closed after o.idleMs, not keeping Node alive). */
  private release(k: Kept): void {
    const next = this.waiting.shift();
    if (next) {
      this.write(k, next);
      return;
    }
    k.socket.setTimeout(this.o.idleMs);
    k.socket.unref();
    this.idle.push(k);
  }

  /** The socket failed or closed: its request, if any, fails (stale when a reused socket closed unanswered). */
  private onClose(k: Kept, err: NodeJS.ErrnoException | undefined): void {
    const e = k.exchange;
    k.exchange = undefined;
    if (this.all.delete(k)) {
      const at = this.idle.indexOf(k);
      if (at !== -1) this.idle.splice(at, 1);
      // A request waiting for a socket gets this one's place.
      const next = this.waiting.shift();
      if (next) this.write(this.open(), next);
    }
    if (!e || e.settled) return;
    const unanswered = !e.parser.started;
    if (e.reused && unanswered && (!err || err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
      this.settle(e, new StaleSocketError(err ?? new Error('the daemon closed the kept connection')));
    } else if (err) this.settle(e, err);
    else this.settleAtClose(e, unanswered);
  }

  private settleAtClose(e: Exchange, unanswered: boolean): void {
    try {
      // A body delimited by the close is complete now.
      const r = e.parser.end();
      this.settle(e, undefined, { status: r.status, text: r.body.toString('utf8') });
    } catch (why) {
      this.settle(e, why instanceof HttpResponseError && unanswered ? closedUnanswered() : why);
    }
  }

  /** Fails a request from outside its socket's events (timeout, abort): its socket is destroyed. */
  private fail(e: Exchange, err: unknown): void {
    if (e.settled) return;
    this.settle(e, err);
    const queued = this.waiting.indexOf(e);
    if (queued !== -1) this.waiting.splice(queued, 1);
    for (const k of this.all) if (k.exchange === e) k.socket.destroy();
  }

  private settle(e: Exchange, err: unknown, answer?: { status: number; text: string }): void {
    if (e.settled) return;
    e.settled = true;
    clearTimeout(e.timer);
    if (e.onAbort) e.signal?.removeEventListener('abort', e.onAbort);
    if (answer) e.resolve(answer);
    else e.reject(err);
  }
}

/** Publishes that the kernel has every byte of `e`'s request, once. */
function announceWritten(e: Exchange): void {
  if (e.announced) return;
  e.announced = true;
  keptRequestChannel.publish({ phase: 'written' } satisfies KeptRequestEvent);
}

function closedUnanswered(): Error {
  return Object.assign(new Error('the daemon closed the connection without answering'), { code: 'ECONNRESET' });
}
