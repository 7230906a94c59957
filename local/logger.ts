import { type Logger, pino } from 'pino';

/** JSON lines on stdout (what CloudWatch and `jq` read); LOG_LEVEL=debug for more, silent in tests. */
export function createLogger(name = 'edgepool', level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level });
}
