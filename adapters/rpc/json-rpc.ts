import type { DaemonError } from '../../core/errors.js';

/** Makes the DaemonError of a failed call: the method and node are the caller's to name. */
export type CallFailure = (why: string, rpcCode?: number, cause?: unknown) => DaemonError;

/**
 * The result of a JSON-RPC answer (1.0 or 2.0), or the failure it stands for: an RPC error object (with its code,
 * whatever the HTTP status: bitcoind answers them with 500 or 404), an HTTP status outside 2xx (with `httpHint`'s
 * explanation of it, if any), or a body that is not a JSON-RPC answer.
 */
export function jsonRpcResult<T>(
  status: number,
  text: string,
  fail: CallFailure,
  httpHint: (status: number) => string = () => '',
): T {
  let parsed: { result?: unknown; error?: { code?: number; message?: string } | null } | undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed?.error) {
    const { code, message } = parsed.error;
    throw fail(`${message ?? 'unknown error'} (code ${code})`, code);
  }
  if (status < 200 || status > 299) throw fail(`HTTP ${status}${httpHint(status)}`);
  if (typeof parsed !== 'object' || parsed === null || !('result' in parsed)) {
    throw fail(`answer is not JSON-RPC (${JSON.stringify(text.slice(0, 80))})`);
  }
  return parsed.result as T;
}

/** Why a request never got an answer. fetch puts the socket error in `cause`; node:http rejects with it directly. */
export function describeFetchError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause ?? e;
  if (cause.code === 'ECONNREFUSED') return 'connection refused';
  if (cause.code === 'ECONNRESET' || cause.code === 'UND_ERR_SOCKET') return 'connection closed by the daemon';
  return cause.message ?? e.message ?? String(err);
}
