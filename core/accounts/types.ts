/**
 * Miner accounts (issue 19): optional, beside mining to a bare address. An account is a signed-up email (the identity
 * provider's user: Cognito in AWS, cognito-local here) plus what the pool keeps about it in the accounts table
 * (adapters/aws/account-items.ts): its mining identities (addresses per coin, each proven by a signature of the
 * address's key), its per-coin payout settings, the change log, watcher links, its referral code and its
 * notification settings. Pure types: no I/O.
 */

/** The identity provider's user id (Cognito `sub`): the account's id everywhere. */
export type AccountId = string;

export interface AccountProfile {
  id: AccountId;
  /** Lower-cased, as signed up. Never shown to anyone but the account itself, never logged. */
  email: string;
  createdAt: number;
  /** Its own referral code (core/accounts/tokens.ts `newReferralCode`), unique. */
  referralCode: string;
  /** The account that referred it (its referral code given at sign-up), if any; set once. */
  referredBy?: AccountId;
  /**
   * Access tokens whose `authTime` is before this (ms, the identity provider's clock) are refused by the account API:
   * set when a password reset or a recovery code ended the account's sessions (IdentityProvider.signOutEverywhere).
   */
  tokensValidAfter?: number;
}

/** A mining address of a coin the account holds ("sub-account"), proven by a message signed with its key. */
export interface MiningIdentity {
  coin: string;
  /** Canonical spelling (core/coins validateAddress). One account per (coin, address). */
  address: string;
  /** The miner's name for this group of rigs. Shown escaped. */
  label: string;
  addedAt: number;
}

/** What an account chose for one coin; every field optional (absent: the pool's default). */
export interface PayoutSettings {
  /** Smallest balance paid out, base units; within the coin's bounds (core/accounts/settings.ts thresholdBounds). */
  threshold?: bigint;
  /** Where payouts of the account's identities on this coin go; absent: each identity's own address. */
  payoutAddress?: string;
  /** Payout currency (auto-conversion), a target the coin offers; absent: the coin itself. */
  currency?: string;
  /** Payouts to a changed payout address are held until then (ms), a cool-down against account takeover. */
  holdUntil?: number;
  updatedAt?: number;
}

/** A change that moves money: waits for its emailed link after the step-up (password + TOTP) passed. */
export interface MoneyChange {
  coin: string;
  threshold?: bigint;
  payoutAddress?: string;
  currency?: string;
  /** With a `currency` other than the coin: the miner's address in that currency (the conversion preference's). */
  currencyAddress?: string;
}

export interface PendingMoneyChange {
  /** sha256 of the emailed token (hex): the token itself is never stored. */
  tokenHash: string;
  account: AccountId;
  change: MoneyChange;
  requestedAt: number;
  requestedIp: string;
  expiresAt: number;
}

/**
 * How a change was authorised. `email`: a link mailed to the account's address alone (confirmation, a password reset
 * of an account without TOTP); `totp+email`: that link and a TOTP code.
 */
export type ChangeSource = 'totp+email' | 'email' | 'signature' | 'recovery-code' | 'account';

/** One line of an account's change log (shown to the account; kept). */
export interface ChangeLogEntry {
  at: number;
  ip: string;
  /** e.g. 'payout-settings', 'identity-added', 'identity-removed', 'totp-enabled', 'totp-disabled', 'watcher-created'. */
  kind: string;
  /** What changed, human-readable, no secret in it. */
  detail: string;
  source: ChangeSource;
}

/** A read-only link to an account's dashboard. The token is shown once; only its hash is kept. */
export interface WatcherLink {
  id: string;
  tokenHash: string;
  label: string;
  createdAt: number;
  revokedAt?: number;
}

/** Events a miner can be notified of (issue 19 "Notifications"). */
export const NOTIFICATION_EVENTS = [
  'worker-offline',
  'hashrate-drop',
  'block-found-pool',
  'block-found-mine',
  'payout-sent',
  'payout-address-changed',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_CHANNELS = ['email', 'telegram', 'webhook'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export interface NotificationSettings {
  /** Which events go to which channels. */
  events: Partial<Record<NotificationEvent, NotificationChannel[]>>;
  /** A worker silent this long is reported offline (minutes). */
  workerOfflineMinutes: number;
  /** Hashrate below this percentage of its 24 h average is reported. */
  hashrateDropPercent: number;
  /** Hours (UTC, 0–23) in which nothing but digests queue up; delivered when quiet hours end. Absent: none. */
  quietHours?: { from: number; to: number };
  /** The Telegram chat linked with /start <code>; absent: not linked. */
  telegramChatId?: string;
  /** A webhook: JSON POST signed with HMAC-SHA256 of the body under `secret` (shown once at creation). */
  webhook?: { url: string; secret: string };
}

export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  events: {},
  workerOfflineMinutes: 15,
  hashrateDropPercent: 50,
};
