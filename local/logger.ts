import { type Logger, pino } from 'pino';

export type PoolLogger = Logger;

/** JSON lines on stdout (what CloudWatch and `jq` read); LOG_LEVEL=debug for more, silent in tests. */
export function createLogger(name = 'edgepool', level = process.env.LOG_LEVEL ?? 'info'): PoolLogger {
  return pino({ name, level });
}
