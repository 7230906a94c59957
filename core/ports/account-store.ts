import type {
  AccountId,
  AccountProfile,
  ChangeLogEntry,
  MiningIdentity,
  NotificationSettings,
  PayoutSettings,
  PendingMoneyChange,
  WatcherLink,
} from '../accounts/types.js';

/** What a one-time token is for: the emailed confirmation and password-reset links, a Telegram link code. */
export type OneTimeTokenKind = 'confirm-email' | 'password-reset' | 'telegram-link';

/**
 * The accounts table (issue 19), pool-wide (not per coin: an account spans coins). AWS: DynamoDB
 * (adapters/aws/dynamo-account-store.ts, item layout in adapters/aws/account-items.ts); locally the same adapter on
 * dynalite. Each use case takes the narrowest of these interfaces.
 */

/** What the account API (app/accounts) reads and writes. */
export interface AccountStore {
  /** Creates the profile; false when the id or the email already has one. Reserves the referral code (unique). */
  createProfile(profile: AccountProfile): Promise<boolean>;
  getProfile(id: AccountId): Promise<AccountProfile | undefined>;
  accountByEmail(email: string): Promise<AccountId | undefined>;
  /** Raises the profile's `tokensValidAfter` to `at` (never lowers it: of two sign-outs, the later one holds). */
  setTokensValidAfter(account: AccountId, at: number): Promise<void>;
  accountByReferralCode(code: string): Promise<AccountId | undefined>;
  /** How many accounts signed up with this account's referral code (profiles whose referredBy is it). */
  countReferred(referrer: AccountId): Promise<number>;

  /** One-time tokens (email confirmation, password reset, Telegram link codes): stored by hash, consumed once. */
  putToken(t: { kind: OneTimeTokenKind; hash: string; account: AccountId; expiresAt: number }): Promise<void>;
  /** The token's account if it exists, is of `kind` and has not expired; it is deleted (consumed) in the same call. */
  consumeToken(kind: OneTimeTokenKind, hash: string, now: number): Promise<AccountId | undefined>;
  /** The token's account as consumeToken finds it, without consuming it (checks before the one-time step). */
  findToken(kind: OneTimeTokenKind, hash: string, now: number): Promise<AccountId | undefined>;

  /** Adds the identity; false when the (coin, address) belongs to an account already (this one or another). */
  addIdentity(account: AccountId, identity: MiningIdentity): Promise<boolean>;
  removeIdentity(account: AccountId, coin: string, address: string): Promise<void>;
  listIdentities(account: AccountId): Promise<MiningIdentity[]>;
  accountOfAddress(coin: string, address: string): Promise<AccountId | undefined>;

  getPayoutSettings(account: AccountId, coin: string): Promise<PayoutSettings | undefined>;
  putPayoutSettings(account: AccountId, coin: string, settings: PayoutSettings): Promise<void>;

  putPendingChange(change: PendingMoneyChange): Promise<void>;
  /** The pending change with this token hash, deleted in the same call (a link works once); undefined if expired. */
  consumePendingChange(tokenHash: string, now: number): Promise<PendingMoneyChange | undefined>;

  appendLog(account: AccountId, entry: ChangeLogEntry): Promise<void>;
  /** Newest first. */
  listLog(account: AccountId, limit: number): Promise<ChangeLogEntry[]>;

  /** Recovery codes (hashes); replaced as a whole; `useRecoveryCode` removes one atomically, true if it was there. */
  setRecoveryCodes(account: AccountId, hashes: string[]): Promise<void>;
  useRecoveryCode(account: AccountId, hash: string): Promise<boolean>;
  /** How many recovery codes are left unused (shown on the account page). */
  recoveryCodesLeft(account: AccountId): Promise<number>;

  putWatcher(account: AccountId, link: WatcherLink): Promise<void>;
  revokeWatcher(account: AccountId, id: string, now: number): Promise<void>;
  listWatchers(account: AccountId): Promise<WatcherLink[]>;
  /** The account a live (not revoked) watcher token hash belongs to. */
  accountOfWatcher(tokenHash: string): Promise<AccountId | undefined>;

  getNotificationSettings(account: AccountId): Promise<NotificationSettings | undefined>;
  putNotificationSettings(account: AccountId, settings: NotificationSettings): Promise<void>;

  /**
   * A fixed-window counter (sign-in attempts per email hash and per IP): adds 1 to `key` in the window starting at
   * `windowStart` and returns the new count. Items expire (TTL) after the window.
   */
  countAttempt(key: string, windowStart: number, windowMs: number): Promise<number>;
  /** The count so far in that window (0 when none). */
  attempts(key: string, windowStart: number): Promise<number>;
}

/**
 * What a coin's payouts pass needs of accounts: the settings of the accounts holding its ledger's addresses. Keyed
 * by mining address; an address in no account is absent (the pool's defaults apply).
 */
export interface MinerPayoutSettingsReader {
  /**
   * `identityCoin`: the coin whose mining identities key the map (default `coin`); an aux coin's ledger accounts are
   * its parent's mining addresses, so its settings are keyed by the accounts' parent-coin identities.
   */
  payoutSettingsByAddress(coin: string, identityCoin?: string): Promise<Map<string, PayoutSettings>>;
}

/**
 * Referrals in the money passes: for each mining address of `coin` whose account was referred, the address the
 * referrer is credited at on this coin (the referrer's first identity on the coin; none: not credited).
 */
export interface ReferralReader {
  referrersByAddress(coin: string): Promise<Map<string, string>>;
}

/** What the notification pass needs: every account with notification settings, its identities and email. */
export interface NotificationTargetsReader {
  listNotificationTargets(): Promise<
    Array<{ account: AccountId; email: string; identities: MiningIdentity[]; settings: NotificationSettings }>
  >;
  /** The account a Telegram chat is linked to (for /stats). */
  accountOfTelegramChat(chatId: string): Promise<AccountId | undefined>;
}
