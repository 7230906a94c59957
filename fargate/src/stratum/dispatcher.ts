import { StratumCode, StratumError } from '../../../core/errors.js';
import type { MethodContext, MethodHandler } from './context.js';
import type { StratumRequest } from './protocol.js';

/**
 * Calls the dialect's handler of `request.method`; an unknown method is refused (20) and counted as malformed. Not
 * async: the handler's own value or promise is passed on as it is (an async wrapper cost every share a promise and
 * the microtasks of resolving it with the handler's); an unknown method throws here, where the caller's try/catch
 * takes it as it takes a handler's rejection.
 */
export function dispatch(
  methods: ReadonlyMap<string, MethodHandler>,
  ctx: MethodContext,
  request: StratumRequest,
): Promise<unknown> | unknown {
  const { method } = request;
  // A Map: a method named "constructor" or "toString" is not a handler (through an object's prototype, calling
  // `Object` as a handler once answered with the whole server context, serialized).
  const handler = methods.get(method);
  if (!handler) {
    ctx.onMalformed(); // a probe or a confused client: it counts toward the malformed-request ban
    throw new StratumError(StratumCode.Other, `unknown method ${method.slice(0, 64)}`);
  }
  return handler(ctx, request.params, request.id, request);
}
