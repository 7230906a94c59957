/**
 * Turning the answers of several daemons to one submitblock into the single `submitResult` a FoundBlock carries.
 * submitblock answers null when the block was accepted, "duplicate" when the daemon already has it,
 * "inconclusive" when it is valid but not (yet) on the best chain, and a rejection reason otherwise
 * (BIP22: "high-hash", "bad-cb-amount", ...).
 */

export type SubmitOutcome = 'accepted' | 'duplicate' | 'inconclusive' | 'rejected' | 'error';

export interface DaemonAnswer {
  outcome: SubmitOutcome;
  /** "accepted", "duplicate", "inconclusive", the rejection reason, or "error: <message>". */
  text: string;
}

/** Reads one daemon's answer, whatever shape the cluster reports it in. */
export function describeSubmitAnswer(answer: unknown): DaemonAnswer {
  if (answer === null || answer === undefined) return { outcome: 'accepted', text: 'accepted' };
  if (typeof answer === 'string') {
    if (answer === 'duplicate' || answer === 'inconclusive') return { outcome: answer, text: answer };
    return { outcome: 'rejected', text: answer };
  }
  if (answer instanceof Error) return { outcome: 'error', text: `error: ${answer.message}` };
  if (typeof answer === 'object') {
    const a = answer as Record<string, unknown>;
    if (a.status === 'fulfilled') return describeSubmitAnswer(a.value);
    if (a.status === 'rejected') return errorAnswer(a.reason);
    if ('error' in a && a.error !== null && a.error !== undefined) return errorAnswer(a.error);
    if ('result' in a) return describeSubmitAnswer(a.result);
  }
  return { outcome: 'error', text: `error: unexpected submitblock answer ${safeJson(answer)}` };
}

/**
 * One verdict for the block: accepted if any daemon accepted it (the network will learn it from that one), else the
 * most hopeful of duplicate / inconclusive, else the first rejection or error.
 */
export function combineSubmitAnswers(answers: readonly unknown[]): DaemonAnswer {
  const described = answers.map(describeSubmitAnswer);
  for (const outcome of ['accepted', 'duplicate', 'inconclusive', 'rejected', 'error'] as const) {
    const found = described.find((d) => d.outcome === outcome);
    if (found) return found;
  }
  return { outcome: 'error', text: 'error: no daemon answered submitblock' };
}

function errorAnswer(err: unknown): DaemonAnswer {
  const message = err instanceof Error ? err.message : typeof err === 'string' ? err : safeJson(err);
  return { outcome: 'error', text: `error: ${message}` };
}

/** A short JSON rendering of an unexpected answer, for a result text or a log line. */
export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}
