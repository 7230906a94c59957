import type { Duplex } from 'node:stream';
import { StratumError } from '../../../core/errors.js';
import type { PolicyEvent, Verdict } from './ban-policy.js';
import {
  type AnswerSink,
  type MethodContext,
  type MethodHandler,
  PendingAnswer,
  type StratumDialect,
  StratumRefusal,
} from './context.js';
import { dispatch } from './dispatcher.js';
import { Fifo } from './fifo.js';
import { LineFramer, LineTooLongError } from './framer.js';
import { ProtocolError, parseRequest, type RequestId, type StratumRequest, type WireFormat } from './protocol.js';
import { type DropReason, type Reply, ReplyQueue } from './reply-queue.js';
import type { Session } from './session.js';

/** Lines read ahead before the socket is paused: a connection's messages are handled one at a time, in order. */
const MAX_PENDING_LINES = 64;
/**
 * Requests of one connection handled and not answered yet (shares waiting to be durable, and the answers queued
 * behind them). At the bound the connection stops reading its socket until an answer goes out. 64 shares per
 * 25 ms batch window lets one connection (a proxy in front of a farm) carry ~2,500 shares/s.
 */
export const MAX_IN_FLIGHT = 64;
/** A client that sends this many unusable lines is dropped (when the ban policy did not act first). */
const MAX_PROTOCOL_ERRORS = 10;
/** What a connection answers before it has a dialect: every method is unknown. */
const NO_METHODS: ReadonlyMap<string, MethodHandler> = new Map();
/** How long a closing connection may take to flush its last lines before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** What every connection of a server hands its method handlers alike: one object per server, not per connection. */
export type SharedContext = Omit<MethodContext, 'session' | 'sendWork' | 'notify' | 'onShareResult' | 'onMalformed'>;

export interface ConnectionHost {
  /** The server's part of every connection's method context. */
  readonly shared: SharedContext;
  /** The dialects the port speaks, in the order a first request is offered to them. */
  readonly dialects: readonly StratumDialect[];
  onClose(conn: Connection): void;
  /** Tells the ban policy. On a ban the host closes the IP's other connections; this one closes after answering. */
  report(conn: Connection, event: PolicyEvent): Verdict;
  /**
   * Seconds counted by one interval of the host, which calls every connection's `checkIdle` each second: the idle
   * deadlines' clock (no timer per connection; a deadline is met within a second).
   */
  readonly idleClock: { readonly seconds: number };
}

/** A connection's limits: one object per server (the options do not change per connection). */
export interface ConnectionLimits {
  maxLineBytes: number;
  maxSendQueueBytes: number;
  authTimeoutMs: number;
  idleTimeoutMs: number;
  /** How long a partial line may wait for its newline. */
  lineTimeoutMs: number;
}

/** The stream's own property naming its Connection: the stream listeners are four functions for every connection. */
const CONNECTION = Symbol('edgepool.stratum.connection');
type ConnectionStream = Duplex & { [CONNECTION]: Connection };

// The stream's listeners: the same four functions for every connection (an emitter's `this` is the stream).
function onStreamData(this: ConnectionStream, chunk: Buffer): void {
  this[CONNECTION].onData(chunk);
}

function onStreamError(this: ConnectionStream, err: Error): void {
  this[CONNECTION].onSocketError(err);
}

function onStreamClose(this: ConnectionStream): void {
  this[CONNECTION].onClosed();
}

function onStreamEnd(this: ConnectionStream): void {
  this[CONNECTION].close('client ended');
}

/** Connections with answers in their outbox this tick: flushed together at the next tick (one callback, not one each). */
const toFlush: Connection[] = [];

function flushAll(): void {
  try {
    // A flush adding a connection (none does today) is flushed in the same loop: the length is read each time.
    for (let i = 0; i < toFlush.length; i++) toFlush[i]!.flushOutbox();
  } finally {
    toFlush.length = 0;
  }
}

/**
 * One miner's connection: framing, in-order handling, a bounded send queue and the auth/idle timers.
 *
 * Messages are handled one at a time, in order, so a submit sees the effects of the authorize (configure,
 * suggest_difficulty…) sent before it. Only the wait for a share to become durable overlaps: a submit handler
 * answers with a PendingAnswer and the next message is handled meanwhile, up to MAX_IN_FLIGHT unanswered requests.
 * Answers are written in request order (clients that reuse one request id for every submit — cpuminer — match
 * them by order). A handler that returns its value (or a PendingAnswer) is handled without a promise: the lines of
 * one read go through in one synchronous loop; only a handler's promise makes the loop wait.
 */
export class Connection implements AnswerSink {
  private readonly framer: LineFramer;
  private readonly pending = new Fifo<string>();
  private readonly replies = new ReplyQueue();
  /** The message loop runs, or waits for an async handler (then the next line waits too). */
  private processing = false;
  /** The message loop stopped at MAX_IN_FLIGHT: the next answer written restarts it. */
  private stalled = false;
  private closed = false;
  /** Answers written this tick, sent as one write at the next tick (or before any other write). */
  private outbox = '';
  private protocolErrors = 0;
  /** The dialect this connection speaks: chosen by its first usable request (StratumDialect.opens). */
  private dialect: StratumDialect | undefined;
  /** Set when a request got the IP banned: no further message is handled; the connection closes after its answer. */
  private banAfterReply: string | undefined;
  private authTimer: ReturnType<typeof setTimeout> | undefined;
  /** The idle clock's second (host.idleClock) at which the connection is idle: a number, not a timer. */
  private idleDeadline = 0;
  /** Runs while a partial line waits for its newline (slowloris). */
  private lineTimer: ReturnType<typeof setTimeout> | undefined;
  /** The loop's continuation after an async handler, made at the first one (most connections never have one). */
  private resumeLoop: (() => void) | undefined;
  private readonly ctx: MethodContext;

  constructor(
    readonly session: Session,
    private readonly stream: Duplex,
    private readonly host: ConnectionHost,
    private readonly limits: ConnectionLimits,
  ) {
    this.framer = new LineFramer(limits.maxLineBytes);
    this.ctx = new ConnectionContext(this, host.shared);
    (stream as ConnectionStream)[CONNECTION] = this;
    stream.on('data', onStreamData);
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    stream.on('end', onStreamEnd);
    this.authTimer = setTimeout(Connection.authDeadline, limits.authTimeoutMs, this);
    this.resetIdle();
    stream.resume(); // a stream paused by a pre-reader (PROXY header) starts flowing now that we listen
  }

  // The auth deadline's callback: one function for every connection, which it gets as its argument.
  private static authDeadline(conn: Connection): void {
    conn.authTimer = undefined;
    if (!conn.session.authorized || !conn.session.subscribed)
      conn.drop('auth-timeout', 'did not subscribe and authorize in time');
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** The name of the dialect the connection speaks (undefined before its first usable request). */
  get dialectName(): string | undefined {
    return this.dialect?.name;
  }

  /** The dialect's line format; before one is chosen, the port's first dialect's (refusals of a first line). */
  private get wire(): WireFormat {
    return (this.dialect ?? this.host.dialects[0]!).wire;
  }

  /** Sends the current job in the connection's dialect (its difficulty first, when that changed). */
  sendWork(clean: boolean): void {
    if (this.closed || !this.dialect || !this.session.authorized || !this.session.subscribed) return;
    const work = this.dialect.work(this.session, clean);
    if (!work) return;
    this.session.noteJobSent(work.jobId);
    for (const line of work.lines) this.write(line);
  }

  /** A drain: asks the miner to reconnect elsewhere, if its dialect can (otherwise the drain's end closes it). */
  askReconnect(): void {
    const line = this.dialect?.reconnectLine?.();
    if (line) this.write(line);
  }

  /**
   * Work a handler triggers goes out after the handler's answer: the miner must read its extranonce1 in the
   * subscribe answer before the first mining.notify, and see `true` to authorize before set_difficulty. It waits
   * behind the newest unanswered request, which is the handler's own or one read after it.
   */
  sendWorkAfterReply(clean: boolean): void {
    const last = this.replies.last;
    if (last) last.work = (last.work ?? false) || clean;
    else this.sendWork(clean);
  }

  notify(method: string, params: unknown[]): void {
    this.write(this.wire.notification(method, params));
  }

  /**
   * Closes the connection. Graceful: end() flushes what is queued (the error that explains the close) before the
   * FIN, and the socket is destroyed after CLOSE_GRACE_MS if the peer never finishes. `abort` destroys at once
   * (a client that does not read would never take the flush).
   */
  close(reason: string, how: 'graceful' | 'abort' = 'graceful'): void {
    if (this.closed) return;
    this.ctx.log.debug({ session: this.session.id, reason }, 'closing connection');
    if (how === 'abort') {
      this.outbox = '';
      this.stream.destroy();
    } else {
      this.flushOutbox(); // the answers already given, e.g. the error that explains the close
      this.stream.end();
      setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS).unref();
    }
    this.onClosed();
  }

  /** Closes for abuse or a timeout, counted in stratum_dropped_connections_total. */
  drop(kind: DropReason, reason: string, how: 'graceful' | 'abort' = 'graceful'): void {
    if (this.closed) return;
    this.ctx.metrics.drops.inc({ coin: this.ctx.options.coin.symbol, reason: kind });
    this.close(reason, how);
  }

  /** The stream closed (its listener), or the connection closed it. */
  onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.authTimer);
    clearTimeout(this.lineTimer);
    this.wakeLoop();
    this.host.onClose(this);
  }

  /**
   * Gives back what the connection's empty queues hold from their busiest moment (an array keeps its capacity after
   * its last element is taken: ~100 B each). Called from the server's periodic sweep, not on the share path.
   */
  compact(): void {
    this.pending.compact();
    this.replies.compact();
  }

  /** Restarts the idle clock: a new deadline on the host's clock (one store per share, no timer). */
  private resetIdle(): void {
    this.idleDeadline = this.host.idleClock.seconds + Math.ceil(this.limits.idleTimeoutMs / 1000);
  }

  /** The host's idle clock ticked (every second): a connection past its deadline is dropped. */
  checkIdle(seconds: number): void {
    if (seconds >= this.idleDeadline) this.drop('idle', 'idle');
  }

  /** Once subscribed and authorized the auth deadline is met: its timer (and what it holds) goes. */
  private authDone(): void {
    if (this.authTimer === undefined || !this.session.authorized || !this.session.subscribed) return;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  /**
   * Slowloris: a line must be complete within lineTimeoutMs of its first byte. The clock restarts with every
   * complete line, so a miner whose lines straddle packets is not cut.
   */
  private watchPartialLine(completeLines: number): void {
    if (completeLines > 0 || this.framer.bufferedBytes === 0) {
      clearTimeout(this.lineTimer);
      this.lineTimer = undefined;
    }
    if (this.framer.bufferedBytes > 0 && this.lineTimer === undefined) {
      this.lineTimer = setTimeout(
        () => this.drop('slowloris', `no complete line within ${this.limits.lineTimeoutMs} ms`),
        this.limits.lineTimeoutMs,
      );
    }
  }

  onShareResult(result: string): void {
    const verdict = this.host.report(this, { kind: 'share', result });
    if (verdict.banned) this.closeAfterReply('banned', verdict.message);
  }

  /**
   * An unusable line or request: the ban policy counts it for the IP, and MAX_PROTOCOL_ERRORS of them close this
   * connection even with bans off.
   */
  onMalformed(): void {
    this.protocolErrors++;
    const verdict = this.host.report(this, { kind: 'malformed' });
    if (verdict.banned) this.closeAfterReply('banned', verdict.message);
    else if (this.protocolErrors >= MAX_PROTOCOL_ERRORS)
      this.closeAfterReply('malformed', 'too many malformed messages');
  }

  /** Closes once the newest unanswered request is answered (at once when none is); a ban handles nothing more. */
  private closeAfterReply(kind: DropReason, reason: string): void {
    if (kind === 'banned') this.banAfterReply = reason;
    const last = this.replies.last;
    if (last) last.close ??= { kind, reason };
    else this.drop(kind, reason);
  }

  onSocketError(err: Error): void {
    this.ctx.log.debug({ session: this.session.id, err: err.message }, 'socket error');
  }

  /** Bytes read (the stream's listener). */
  onData(chunk: Buffer): void {
    if (this.closed) return;
    let lines: string[];
    try {
      lines = this.framer.push(chunk);
    } catch (err) {
      if (err instanceof LineTooLongError) {
        this.write(this.wire.error(null, 20, `line too long (max ${err.limit} bytes)`));
        const verdict = this.host.report(this, { kind: 'flood' });
        if (verdict.banned) this.drop('banned', verdict.message);
        else this.drop('line-too-long', 'line too long');
        return;
      }
      throw err;
    }
    this.watchPartialLine(lines.length);
    if (lines.length === 0) return;
    this.pending.pushAll(lines);
    this.applyBackpressure();
    this.drainPending();
  }

  /** Stops reading the socket while too much is read ahead or too many requests are unanswered; resumes after. */
  private applyBackpressure(): void {
    if (this.closed) return;
    const inFlightFull = this.replies.size >= MAX_IN_FLIGHT;
    if (this.pending.size > MAX_PENDING_LINES || inFlightFull) {
      if (!this.stream.isPaused()) this.stream.pause();
    } else if (this.stream.isPaused() && this.pending.size < MAX_PENDING_LINES / 4) {
      this.stream.resume();
    }
  }

  /**
   * Handles the lines read, in order, one at a time: synchronously while handlers answer at once (or with a
   * PendingAnswer); a handler's promise stops the loop until it settles (resumeLoop), and MAX_IN_FLIGHT unanswered
   * requests stop it until an answer goes out (wakeLoop).
   */
  private drainPending(): void {
    if (this.processing) return;
    this.processing = true;
    let waiting: Promise<void> | undefined;
    try {
      while (!this.closed && this.banAfterReply === undefined && this.pending.size > 0) {
        if (this.replies.size >= MAX_IN_FLIGHT) {
          this.stalled = true;
          break;
        }
        waiting = this.handleLine(this.pending.shift()!);
        if (waiting) break;
        this.applyBackpressure();
      }
    } finally {
      if (waiting) {
        // After an async handler the loop goes on with the next line: one function per connection, not per line.
        this.resumeLoop ??= () => {
          this.processing = false;
          this.applyBackpressure();
          this.drainPending();
        };
        waiting.then(this.resumeLoop, this.resumeLoop);
      } else this.processing = false;
    }
  }

  /** An answer went out: a loop stopped at MAX_IN_FLIGHT goes on, in a microtask (not inside the queue's ack). */
  private wakeLoop(): void {
    if (!this.stalled) return;
    this.stalled = false;
    queueMicrotask(() => this.drainPending());
  }

  /** One line: parsed, dispatched, answered. A promise only when its handler returned one (the loop waits for it). */
  private handleLine(line: string): Promise<void> | undefined {
    let request: StratumRequest;
    try {
      request = parseRequest(line);
    } catch (err) {
      if (err instanceof ProtocolError) {
        // A response: the pool sends miners no requests, so it answers nothing; not answered, but counted.
        if (isResponse(line)) {
          this.onMalformed();
          return undefined;
        }
        const reply = this.replies.open();
        this.onMalformed();
        this.answer(reply, this.wire.error(err.id, 20, err.message));
        return undefined;
      }
      throw err;
    }
    // The first request a dialect of the port opens with picks the connection's dialect, for good. One no dialect
    // opens with is answered as an unknown method (dispatch below), and the next request is offered again.
    this.dialect ??= this.host.dialects.find((d) => d.opens(request));
    // Idle means "no share": a client that only chatters (or resends subscribe) holds a slot without mining.
    if (this.dialect?.submitMethods.has(request.method)) this.resetIdle();
    // JSON-RPC 1.0: a request whose id is null is a notification, handled and never answered. bfgminer sends
    // mining.suggest_target with id null before mining.subscribe and reads the next line as the subscribe answer:
    // an answer to the notification made it fail its subscribe and reconnect. The notification still takes a
    // place in the reply queue (answered with nothing, see answer), so the work it triggers and the in-flight bound
    // stay as for any request.
    const reply = this.replies.open(request);
    let result: unknown;
    try {
      result = dispatch(this.dialect?.methods ?? NO_METHODS, this.ctx, request);
    } catch (err) {
      this.answer(reply, this.encodeFailure(request, err));
      return undefined;
    }
    if (!(result instanceof Promise)) {
      this.handled(reply, result);
      return undefined;
    }
    return result.then(
      (value: unknown) => this.handled(reply, value),
      (err: unknown) => this.answer(reply, this.encodeFailure(request, err)),
    );
  }

  /** A handler's value: answered now, or (a PendingAnswer) once it settles (answerSettled). */
  private handled(reply: Reply, result: unknown): void {
    this.authDone();
    if (result instanceof PendingAnswer) result.listen(this, reply);
    else this.answerSettled(reply, true, result);
  }

  /** A request's outcome: its result, or its error (a StratumError's code and message). */
  answerSettled(reply: Reply, ok: boolean, value: unknown): void {
    const request = reply.request!;
    let line: string;
    try {
      line = ok ? this.wire.result(request.id, value) : this.encodeFailure(request, value);
    } catch (err) {
      line = this.encodeFailure(request, err); // a result that cannot be encoded
    }
    this.answer(reply, line);
  }

  private encodeFailure(request: { id: RequestId; method: string }, err: unknown): string {
    if (err instanceof StratumError) {
      const result = err instanceof StratumRefusal ? err.result : null;
      return this.wire.error(request.id, err.stratumCode, err.message, result);
    }
    this.ctx.log.error({ err, method: request.method, session: this.session.id }, 'stratum handler failed');
    return this.wire.error(request.id, 20, 'internal error');
  }

  /**
   * Records a request's answer and writes every answer now due, in request order, each followed by its work.
   * A batch of shares becoming durable settles many answers in one tick: they are sent together at the next tick,
   * one syscall for the connection rather than one per answer.
   */
  private answer(reply: Reply, line: string): void {
    // JSON-RPC 1.0: a notification (id null) is never answered; its place in the order goes with nothing.
    reply.line = reply.request?.id === null ? '' : line;
    for (let r = this.replies.takeReady(); r !== undefined; r = this.replies.takeReady()) {
      this.writeSoon(r.line!);
      if (r.close) {
        this.drop(r.close.kind, r.close.reason);
        break;
      }
      if (r.work !== undefined) this.sendWork(r.work);
    }
    this.wakeLoop();
    this.applyBackpressure();
  }

  /** Appends to the outbox, sent at the next tick (answers settled in the same tick leave in one write). */
  private writeSoon(text: string): void {
    if (this.outbox === '' && toFlush.push(this) === 1) process.nextTick(flushAll);
    this.outbox += text;
  }

  flushOutbox(): void {
    if (this.outbox === '') return;
    const text = this.outbox;
    this.outbox = '';
    this.write(text);
  }

  /** Writes one or more whole lines (a Buffer is never modified: notify lines are shared by every connection). */
  private write(text: string | Buffer): void {
    if (this.outbox === '') {
      this.writeNow(text);
      return;
    }
    // What was answered before goes first, in the same syscall (corked: one writev).
    const answers = this.outbox;
    this.outbox = '';
    this.stream.cork();
    this.writeNow(answers);
    this.writeNow(text);
    this.stream.uncork();
  }

  private writeNow(text: string | Buffer): void {
    if (this.closed || this.stream.destroyed) return;
    if (this.stream.writableLength + text.length > this.limits.maxSendQueueBytes) {
      this.ctx.log.warn(
        { session: this.session.id, buffered: this.stream.writableLength },
        'client not reading: dropped',
      );
      this.drop('send-queue', 'send queue full', 'abort');
      return;
    }
    this.stream.write(text);
  }
}

/**
 * A connection's method context: the connection's session and answers, the server's shared parts read through
 * (two fields per connection, not a copy of the server's dozen and four closures).
 */
class ConnectionContext implements MethodContext {
  constructor(
    private readonly conn: Connection,
    private readonly shared: SharedContext,
  ) {}

  get session(): Session {
    return this.conn.session;
  }
  get options(): MethodContext['options'] {
    return this.shared.options;
  }
  get shares(): MethodContext['shares'] {
    return this.shared.shares;
  }
  get extranonces(): MethodContext['extranonces'] {
    return this.shared.extranonces;
  }
  get metrics(): MethodContext['metrics'] {
    return this.shared.metrics;
  }
  get log(): MethodContext['log'] {
    return this.shared.log;
  }
  get now(): MethodContext['now'] {
    return this.shared.now;
  }
  get validateAddress(): MethodContext['validateAddress'] {
    return this.shared.validateAddress;
  }
  get auxCoins(): MethodContext['auxCoins'] {
    return this.shared.auxCoins;
  }
  sendWork(clean: boolean): void {
    this.conn.sendWorkAfterReply(clean);
  }
  notify(method: string, params: unknown[]): void {
    this.conn.notify(method, params);
  }
  onShareResult(result: string): void {
    this.conn.onShareResult(result);
  }
  onMalformed(): void {
    this.conn.onMalformed();
  }
}

function isResponse(line: string): boolean {
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    return typeof o === 'object' && o !== null && o.method === undefined && ('result' in o || 'error' in o);
  } catch {
    return false;
  }
}
