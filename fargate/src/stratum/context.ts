import type { CoinDefinition, NetworkName } from '../../../core/coins/index.js';
import type { SecurityConfig } from '../../../core/config/schema.js';
import { type StratumCode, StratumError } from '../../../core/errors.js';
import type { Logger } from '../../../core/ports/logger.js';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { JobProvider } from '../jobs/types.js';
import type { ExtranonceAllocator } from './extranonce.js';
import type { StratumMetrics } from './metrics.js';
import type { RequestId } from './protocol.js';
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
  jobs: JobProvider;
  /** The methods this port speaks: its chain family's dialect (dispatcher.ts). */
  dialect: StratumDialect;
  shares: ShareQueue;
  extranonces: ExtranonceAllocator;
  metrics: StratumMetrics;
  log: Logger;
  now: () => number;
  /** The miner account of a username's address: its canonical spelling (throws InvalidAddressError). */
  validateAddress: (address: string) => string;
  /** Sends mining.set_difficulty (if it changed since last sent) and the current job. */
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

/**
 * An answer known later (a share's, once it is durable): the connection handles the client's next messages
 * meanwhile and writes this answer, in request order, when `answer` settles (a StratumError rejection is an error
 * answer). Work the handler triggers after returning still goes out after this answer.
 */
export class PendingAnswer {
  constructor(readonly answer: Promise<unknown>) {}
}

/**
 * A handler answers with a result value, a PendingAnswer, or throws StratumError (StratumRefusal) / ProtocolError.
 * Handlers run one at a time in request order; only a PendingAnswer's wait overlaps the next messages.
 */
export type MethodHandler = (ctx: MethodContext, params: unknown[], id: RequestId) => Promise<unknown> | unknown;

/** A stratum dialect: one handler per method a port speaks (Stratum V1: dispatcher.ts `METHODS`). */
export type StratumDialect = Readonly<Record<string, MethodHandler>>;
