import { StratumCode, StratumError } from '../../../../core/errors.js';
import type { MethodHandler } from '../context.js';

/** mining.get_transactions: the pool does not reveal template transactions per job. */
export const getTransactions: MethodHandler = () => {
  throw new StratumError(StratumCode.Other, 'mining.get_transactions is not supported');
};

/** Some proxies ask the pool for its version with the client.* method name. */
export const getVersion: MethodHandler = (ctx) => ctx.options.serverVersion ?? 'edgepool';
