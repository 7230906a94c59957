/**
 * A mail the provider did not take. The message names the recipient's domain only: an email address is personal data
 * and errors end up in logs. The provider's own error (which may quote the address) is not kept as `cause` for the
 * same reason; its name and code are.
 */
export class MailDeliveryError extends Error {
  /** The provider's error name or code (e.g. `MessageRejected`, `ECONNREFUSED`). */
  readonly reason: string;

  constructor(to: string, err: unknown) {
    const reason = errorReason(err);
    super(`sending a mail to a recipient at ${domainOf(to)} failed: ${reason}`);
    this.name = 'MailDeliveryError';
    this.reason = reason;
  }
}

/** The part after the last `@` (or `unknown domain`). */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at >= 0 && at < address.length - 1 ? address.slice(at + 1) : 'an unknown domain';
}

function errorReason(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { name?: unknown; code?: unknown };
    if (typeof e.code === 'string' && e.code) return e.code;
    if (typeof e.name === 'string' && e.name) return e.name;
  }
  return 'unknown error';
}
