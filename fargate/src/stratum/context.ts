import type { CoinDefinition, NetworkName } from '../../../core/coins/index.js';
import type { ShareQueue } from '../../../core/ports/share-queue.js';
import type { JobProvider } from '../jobs/types.js';
import type { ExtranonceAllocator } from './extranonce.js';
import type { StratumMetrics } from './metrics.js';
import type { RequestId } from './protocol.js';
import type { Session } from './session.js';

export interface StratumLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

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
  authTimeoutMs: number;
  idleTimeoutMs: number;
  /** BIP310: the bits miners may roll; BIP320 reserves 0x1fffe000 for it. */
  versionRollingMask?: number;
  /** Hex prefix of every extranonce1 this process hands out (unique per task). */
  instancePrefix?: string;
  /** Answer to client.get_version and in logs. */
  serverVersion?: string;
}

/** What a method handler can use: the session, the server's collaborators, and a way to answer. */
export interface MethodContext {
  session: Session;
  options: StratumServerOptions;
  jobs: JobProvider;
  shares: ShareQueue;
  extranonces: ExtranonceAllocator;
  metrics: StratumMetrics;
  log: StratumLogger;
  now: () => number;
  validateAddress: (address: string) => void;
  /** Sends mining.set_difficulty (if it changed since last sent) and the current job. */
  sendWork(clean: boolean): void;
  notify(method: string, params: unknown[]): void;
}

/** A handler answers with a result value or throws StratumError / ProtocolError. */
export type MethodHandler = (ctx: MethodContext, params: unknown[], id: RequestId) => Promise<unknown> | unknown;
