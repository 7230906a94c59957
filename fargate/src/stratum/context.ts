import type { CoinDefinition, NetworkName } from '../../../core/coins/index.js';
import type { SecurityConfig } from '../../../core/config/schema.js';
import { type StratumCode, StratumError } from '../../../core/errors.js';
import type { Logger } from '../../../core/ports/logger.js';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { ExtranonceAllocator } from './extranonce.js';
import type { StratumMetrics } from './metrics.js';
import type { RequestId, StratumRequest, WireFormat } from './protocol.js';
import type { Reply } from './reply-queue.js';
import type { Session } from './session.js';

export interface PortDifficulty {
  initial: number;
  min: number;
  max: number;
  targetShareSeconds: number;
  retargetSeconds: number;
  variancePercent: number;
}

export interface StratumServerOptions {
  coin: CoinDefinition;
  network: NetworkName;
  difficulty: PortDifficulty;
  maxLineBytes: number;
  maxSendQueueBytes: number;
  /** A connection that has not both subscribed and authorized this long after connecting is closed. */
  authTimeoutMs: number;
  /** A connection that sends no mining.submit for this long is closed (other messages do not count). */
  idleTimeoutMs: number;
  /** BIP310: the bits miners may roll; BIP320 reserves 0x1fffe000 for it. */
  versionRollingMask?: number;
  /** Hex prefix of every extranonce1 this process hands out (unique per task). */
  instancePrefix?: string;
  /** Answer to client.get_version and in logs. */
  serverVersion?: string;
  /** Bans, connection limits, slow-line timeout; the schema's defaults when absent. Ignored when a policy is injected. */
  security?: SecurityConfig;
}

/** What a method handler can use: the session, the server's collaborators, and a way to answer. */
export interface MethodContext {
  session: Session;
  options: StratumServerOptions;
  shares: ShareQueue;
  extranonces: ExtranonceAllocator;
  metrics: StratumMetrics;
  log: Logger;
  now: () => number;
  /** The miner account of a username's address: its canonical spelling (throws InvalidAddressError). */
  validateAddress: (address: string) => string;
  /** Merged mining: the aux coins a password may give a payout address for (StratumServerDeps.auxCoins). */
  auxCoins?: ReadonlyMap<string, AuxCoinAddresses>;
  /**
   * Sends the current job in the connection's dialect (with its difficulty, if that changed since last sent), after
   * the answer of the newest unanswered request: a handler calls it directly and its work follows its own answer.
   */
  sendWork(clean: boolean): void;
  notify(method: string, params: unknown[]): void;
  /** Every share outcome, as metrics name it ("accepted", "stale", "low-difficulty"…): the ban policy counts them. */
  onShareResult(result: string): void;
  /**
   * An unusable request (unknown method, refused authorize, second subscribe): counted toward the malformed-request
   * ban and the connection's own limit; a ban or the limit closes the connection after this request's answer.
   */
  onMalformed(): void;
}

/** An aux coin of the port's coin, as mining.authorize reads `<symbol in lower case>=<address>` in the password. */
export interface AuxCoinAddresses {
  /** The aux coin's symbol (DOGE). */
  coin: string;
  /** The address's canonical spelling on the aux coin's network (throws InvalidAddressError). */
  validate: (address: string) => string;
}

/**
 * A refusal whose answer carries a result next to the error: mining.authorize answers `false` with [24, reason],
 * which every miner reads as "not authorized" (some only look at `result`).
 */
export class StratumRefusal extends StratumError {
  constructor(
    code: StratumCode,
    message: string,
    readonly result: unknown,
  ) {
    super(code, message);
  }
}

/** Where a PendingAnswer's outcome goes: the connection, with the request's place in its answer order. */
export interface AnswerSink {
  answerSettled(reply: Reply, ok: boolean, value: unknown): void;
}

const PENDING = 0;
const ANSWERED = 1;
const REFUSED = 2;

/**
 * An answer known later (a share's, once it is durable): the connection handles the client's next messages
 * meanwhile and writes this answer, in request order, once it settles: `resolve(value)`, or `reject(err)` (a
 * StratumError is an error answer), or the promise it was made with. No promise of its own: the sha256d share path
 * settles it from the share queue's ack (submit.ts PendingShare). Work the handler triggers after returning still
 * goes out after this answer.
 */
export class PendingAnswer {
  private state: typeof PENDING | typeof ANSWERED | typeof REFUSED = PENDING;
  private value: unknown = undefined;
  private sink: AnswerSink | undefined = undefined;
  private reply: Reply | undefined = undefined;

  constructor(answer?: Promise<unknown>) {
    answer?.then(
      (value) => this.resolve(value),
      (err: unknown) => this.reject(err),
    );
  }

  /** The answer's result (the first settlement counts). */
  resolve(value: unknown): void {
    this.settle(ANSWERED, value);
  }

  /** The answer is this error (the first settlement counts). */
  reject(err: unknown): void {
    this.settle(REFUSED, err);
  }

  /** Hands the outcome to `sink` for `reply`, once: at once when already settled, else when it settles. */
  listen(sink: AnswerSink, reply: Reply): void {
    if (this.state !== PENDING) sink.answerSettled(reply, this.state === ANSWERED, this.value);
    else {
      this.sink = sink;
      this.reply = reply;
    }
  }

  private settle(state: typeof ANSWERED | typeof REFUSED, value: unknown): void {
    if (this.state !== PENDING) return;
    this.state = state;
    this.value = value;
    const { sink, reply } = this;
    if (!sink || !reply) return;
    this.sink = undefined;
    this.reply = undefined;
    sink.answerSettled(reply, state === ANSWERED, value);
  }
}

/**
 * A handler answers with a result value, a PendingAnswer, or throws StratumError (StratumRefusal) / ProtocolError.
 * Handlers run one at a time in request order; only a PendingAnswer's wait overlaps the next messages. A handler that
 * needs its family's job source (to check a share) closes over it: the dialect is made for that job source.
 */
export type MethodHandler = (
  ctx: MethodContext,
  params: unknown[],
  id: RequestId,
  request: StratumRequest,
) => Promise<unknown> | unknown;

/**
 * A stratum dialect: what one kind of miner speaks (Stratum V1; EthProxy; EthereumStratum/1.0.0). A port speaks one
 * or several, told apart by a connection's first request: the first dialect that `opens` it serves the connection
 * from then on. The shared core (framing, PROXY v2, bans, limits, reply order, vardiff, drain) calls only this, so
 * a job's shape and the way work is written stay the dialect's.
 */
export interface StratumDialect {
  /** For logs and tests ("stratum-v1", "ethproxy", "ethereumstratum/1.0.0"). */
  readonly name: string;
  /** Whether a connection whose first request is `request` speaks this dialect. */
  opens(request: StratumRequest): boolean;
  /** One handler per method (`methodTable`): a Map, so that no name reaches Object.prototype. */
  readonly methods: ReadonlyMap<string, MethodHandler>;
  /** The methods that submit shares: only they keep a connection from being dropped as idle. */
  readonly submitMethods: ReadonlySet<string>;
  readonly wire: WireFormat;
  /**
   * The lines that give a working session the newest job of the dialect's job source (clean when `clean` or the job
   * says so): its difficulty first when it changed since `session.announcedDifficulty` (which this updates), then
   * the job; undefined before the first job. The connection records the job id as sent at the session's difficulty.
   */
  work(session: Session, clean: boolean): { jobId: string; lines: Array<string | Buffer> } | undefined;
  /** The line asking the miner to reconnect (a drain), if the dialect has one; without it the connection is closed. */
  reconnectLine?(): string;
}

/**
 * A dialect's handlers by method name, from an object literal's own properties. The dispatcher looks a request's
 * method up in it once a request: a Map's get of the (interned) name, where `Object.hasOwn` and a megamorphic keyed
 * load of the object cost ~240 instructions a share (docs/performance.md, "Ninth stop").
 */
export function methodTable(handlers: Readonly<Record<string, MethodHandler>>): ReadonlyMap<string, MethodHandler> {
  return new Map(Object.entries(handlers));
}
