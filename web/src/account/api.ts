import { sendJson } from '../http.js';
import { authorized, type Tokens } from './session.js';

/**
 * The account API as the dashboard calls it (docs/accounts.md; notifications: app/notify/routes.ts). Each call
 * answers the route's JSON or throws an AccountApiError carrying the API's own error text and status.
 */

export class AccountApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: API payloads are rendered, not computed on
export type Json = Record<string, any>;

async function answer(res: Response): Promise<Json> {
  const body = (await res.json().catch(() => ({}))) as Json;
  if (!res.ok) {
    const wait = res.headers.get('retry-after');
    const text = typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
    throw new AccountApiError(wait ? `${text} (try again in ${wait} s)` : text, res.status);
  }
  return body;
}

/** A route anyone may call (the body or the token in it is the proof). */
const open = async (path: string, body: unknown) => answer(await sendJson(`/api${path}`, JSON.stringify(body)));
/** A route for the signed-in account. */
const mine = async (path: string, init: { method?: string; body?: unknown } = {}) =>
  answer(await authorized(path, init));

/** A step-up for a passkey change: the password, and the TOTP code when TOTP is on. */
export type StepUp = { password: string; totp?: string };

export type SignIn = { kind: 'tokens'; tokens: Tokens } | { kind: 'totp'; session: string };

export const accountApi = {
  signUp: (email: string, password: string, referralCode?: string) =>
    open('/account/signup', { email, password, ...(referralCode ? { referralCode } : {}) }),
  confirm: (token: string, password: string) => open('/account/confirm', { token, password }),
  forgotPassword: (email: string) => open('/account/password/forgot', { email }),
  resetPassword: (token: string, password: string, totp?: string, recoveryCode?: string) =>
    open('/account/password/reset', {
      token,
      password,
      ...(totp ? { totp } : {}),
      ...(recoveryCode ? { recoveryCode } : {}),
    }),
  signIn: async (email: string, password: string) => (await open('/account/signin', { email, password })) as SignIn,
  signInTotp: async (email: string, session: string, code: string) =>
    (await open('/account/signin/totp', { email, session, code })) as SignIn,
  signInRecovery: async (email: string, password: string, recoveryCode: string) =>
    (await open('/account/signin/recovery', { email, password, recoveryCode })) as SignIn,
  passkeySignInStart: async (email: string) =>
    (await open('/account/signin/passkey/start', { email })) as { session: string; options: Json },
  passkeySignIn: async (email: string, session: string, credential: unknown) =>
    (await open('/account/signin/passkey', { email, session, credential })) as SignIn,
  confirmChange: (token: string) => open('/account/changes/confirm', { token }),
  watch: async (token: string) => answer(await fetch(`/api/watch/${encodeURIComponent(token)}`)),

  me: () => mine('/account/me'),
  startTotp: () => mine('/account/totp/start', { body: {} }),
  verifyTotp: (code: string) => mine('/account/totp/verify', { body: { code } }),
  addIdentity: (body: { coin: string; address: string; label: string; time: string; signature: string }) =>
    mine('/account/identities', { body }),
  removeIdentity: (coin: string, address: string) =>
    mine(`/account/identities/${encodeURIComponent(coin)}/${encodeURIComponent(address)}`, { method: 'DELETE' }),
  log: () => mine('/account/log?limit=50'),
  changeSettings: (coin: string, body: Json) => mine(`/account/settings/${encodeURIComponent(coin)}`, { body }),
  passkeys: () => mine('/account/passkeys'),
  startPasskey: (proof: StepUp) => mine('/account/passkeys/start', { body: proof }),
  addPasskey: (credential: unknown) => mine('/account/passkeys', { body: { credential } }),
  removePasskey: (id: string, proof: StepUp) =>
    mine(`/account/passkeys/${encodeURIComponent(id)}`, { method: 'DELETE', body: proof }),
  watchers: () => mine('/account/watchers'),
  createWatcher: (label: string) => mine('/account/watchers', { body: { label } }),
  revokeWatcher: (id: string) => mine(`/account/watchers/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  notifications: () => mine('/account/notifications'),
  saveNotifications: (settings: Json) => mine('/account/notifications', { method: 'PUT', body: settings }),
  testNotifications: () => mine('/account/notifications/test', { body: {} }),
  telegramLink: () => mine('/account/telegram/link', { body: {} }),
};
