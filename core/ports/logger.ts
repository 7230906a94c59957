/**
 * The one logger type of the pool: what a use case, an adapter or a server asks of a logger, in pino's call shape
 * (fields first, then the message), so that a pino logger is one and a test passes a plain object. A part that
 * logs at some levels only asks for those: `Pick<Logger, 'warn'>`.
 */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}
