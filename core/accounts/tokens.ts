import { createHash, randomBytes, randomInt } from 'node:crypto';

/**
 * The account secrets the pool makes (issue 19): one-time tokens (email confirmation, money-change links, watcher
 * links, Telegram link codes), referral codes and TOTP recovery codes. A token is shown or mailed once; the pool keeps
 * only its sha256 (`tokenHash`), so a leaked table holds nothing that opens a link.
 */

/** 256 bits, base64url (43 characters): unguessable, safe in a URL fragment. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the pool stores of a token (and looks it up by): sha256, hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Crockford's base32 alphabet: no I, L, O, U, so a code read aloud or typed from paper is not misread. */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function randomBase32(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[randomInt(BASE32.length)];
  return out;
}

/** An account's referral code: 8 characters (40 bits; uniqueness is enforced by the store all the same). */
export function newReferralCode(): string {
  return randomBase32(8);
}

/** A referral code as typed: upper-cased, Crockford's look-alikes mapped; undefined if it cannot be one. */
export function normalizeReferralCode(code: string): string | undefined {
  const c = code.trim().toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  return /^[0-9A-HJKMNP-TV-Z]{8}$/.test(c) ? c : undefined;
}

/** How many recovery codes TOTP enrollment gives. */
export const RECOVERY_CODE_COUNT = 10;

/** Ten recovery codes `XXXXX-XXXXX` (50 bits each), shown once at TOTP enrollment. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => `${randomBase32(5)}-${randomBase32(5)}`);
}

/** The stored form of a recovery code: sha256 of the code as typed, dashes and spaces out, look-alikes mapped. */
export function recoveryCodeHash(code: string): string {
  const c = code.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  return tokenHash(`recovery:${c}`);
}

/** The key of an email in the accounts table (EMAIL#…) and in the sign-in counters: never the email itself. */
export function emailHash(normalizedEmail: string): string {
  return tokenHash(`email:${normalizedEmail}`);
}

/** A short random id (watcher links, log entries): 16 hex characters. */
export function newId(): string {
  return randomBytes(8).toString('hex');
}
