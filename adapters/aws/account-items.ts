/**
 * The accounts table's item layout (issue 19): one pool-wide table (ACCOUNTS_TABLE in tables.ts), `pk`/`sk` strings,
 * `ttl` (seconds) on items that expire. Every key an adapter writes comes from here, so the store, the payouts and
 * referral readers and the notification reader agree.
 *
 *   pk                         sk                          what
 *   ACCOUNT#<id>               PROFILE                     email, createdAt, referralCode, referredBy,
 *                                                          tokensValidAfter
 *   ACCOUNT#<id>               IDENTITY#<coin>#<address>   label, addedAt
 *   ACCOUNT#<id>               SETTINGS#<coin>             threshold (string), payoutAddress, currency, holdUntil
 *   ACCOUNT#<id>               LOG#<at 13 digits>#<rand>   ip, kind, detail, source
 *   ACCOUNT#<id>               RECOVERY                    hashes (string set)
 *   ACCOUNT#<id>               WATCHER#<id>                tokenHash, label, createdAt, revokedAt
 *   ACCOUNT#<id>               NOTIFY                      settings (JSON)
 *   EMAIL#<sha256(email)>      ACCOUNT                     account (unique email)
 *   REFCODE#<code>             ACCOUNT                     account (unique referral code)
 *   ADDRESS#<coin>#<address>   ACCOUNT                     account (one account per mining address)
 *   TOKEN#<kind>#<hash>        TOKEN                       account, ttl
 *   PENDING#<tokenHash>        CHANGE                      the pending money change (JSON), ttl
 *   WATCHTOKEN#<tokenHash>     ACCOUNT                     account, watcher id
 *   TELEGRAM#<chatId>          ACCOUNT                     account
 *   RATE#<key>#<windowStart>   RATE                        count, ttl
 *   DELIVERY#<eventId>         <channel>                   delivery record (notifications: once per event and channel)
 *
 * The gsi `byKind` (pk `kind`, sk `pk`) lists items of one kind across accounts: `kind = SETTINGS#<coin>` (payouts),
 * `kind = NOTIFY` (notification pass), `kind = IDENTITY#<coin>` (referral and payout readers), `kind =
 * REFERRED#<referrer id>` on a referred account's PROFILE (how many accounts an account referred).
 */
import type { PayoutSettings } from '../../core/accounts/types.js';
import { num } from './dynamo-calls.js';

export const accountPk = (id: string) => `ACCOUNT#${id}`;
export const PROFILE_SK = 'PROFILE';
export const identitySk = (coin: string, address: string) => `IDENTITY#${coin}#${address}`;
export const settingsSk = (coin: string) => `SETTINGS#${coin}`;
export const logSk = (at: number, rand: string) => `LOG#${String(at).padStart(13, '0')}#${rand}`;
export const RECOVERY_SK = 'RECOVERY';
export const watcherSk = (id: string) => `WATCHER#${id}`;
export const NOTIFY_SK = 'NOTIFY';
export const emailPk = (emailHash: string) => `EMAIL#${emailHash}`;
export const refCodePk = (code: string) => `REFCODE#${code}`;
export const addressPk = (coin: string, address: string) => `ADDRESS#${coin}#${address}`;
export const tokenPk = (kind: string, hash: string) => `TOKEN#${kind}#${hash}`;
export const pendingPk = (tokenHash: string) => `PENDING#${tokenHash}`;
export const watchTokenPk = (tokenHash: string) => `WATCHTOKEN#${tokenHash}`;
export const telegramPk = (chatId: string) => `TELEGRAM#${chatId}`;
export const ratePk = (key: string, windowStart: number) => `RATE#${key}#${windowStart}`;
export const deliveryPk = (eventId: string) => `DELIVERY#${eventId}`;
/** The `kind` attribute (gsi byKind) of items listed across accounts. */
export const kindOf = {
  settings: (coin: string) => `SETTINGS#${coin}`,
  identity: (coin: string) => `IDENTITY#${coin}`,
  notify: 'NOTIFY',
  referredBy: (referrer: string) => `REFERRED#${referrer}`,
} as const;

/** A `SETTINGS#<coin>` item as PayoutSettings (the threshold is stored as a decimal string of base units). */
export function payoutSettingsOf(i: Record<string, unknown>): PayoutSettings {
  return {
    ...(i.threshold === undefined ? {} : { threshold: BigInt(String(i.threshold)) }),
    ...(i.payoutAddress === undefined ? {} : { payoutAddress: String(i.payoutAddress) }),
    ...(i.currency === undefined ? {} : { currency: String(i.currency) }),
    ...(i.holdUntil === undefined ? {} : { holdUntil: num(i.holdUntil) }),
    ...(i.updatedAt === undefined ? {} : { updatedAt: num(i.updatedAt) }),
  };
}
