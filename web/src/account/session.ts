import { sendJson } from '../http.js';

/**
 * The signed-in session. Tokens travel only in `Authorization: Bearer` headers, never in cookies (nothing a
 * forged cross-site request could carry). The access token (short-lived, ~1 h) is kept in sessionStorage so that a
 * reload keeps the tab signed in; it never outlives the tab and is not shared with other tabs. The refresh token
 * (long-lived) stays in this module's memory only: never in localStorage or sessionStorage, where any script on the
 * origin, or a later user of the machine, could read it; a reload loses it and the next expiry asks to sign in.
 */

export interface Tokens {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  expiresInSeconds: number;
}

const KEY = 'edgepool.access';
let refreshToken: string | undefined;

interface Stored {
  token: string;
  expiresAt: number;
}

export function signedIn(tokens: Tokens): void {
  const stored: Stored = { token: tokens.accessToken, expiresAt: Date.now() + tokens.expiresInSeconds * 1000 };
  sessionStorage.setItem(KEY, JSON.stringify(stored));
  refreshToken = tokens.refreshToken ?? refreshToken;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  refreshToken = undefined;
}

function accessToken(): string | undefined {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return undefined;
  try {
    const stored = JSON.parse(raw) as Stored;
    // A few seconds early: a token about to expire is refreshed (or asked for again) before the API refuses it.
    return stored.expiresAt - 5_000 > Date.now() ? stored.token : undefined;
  } catch {
    return undefined;
  }
}

export const isSignedIn = (): boolean => accessToken() !== undefined || refreshToken !== undefined;

/** A new access token from the in-memory refresh token, or undefined (then the page asks to sign in). */
async function refreshed(): Promise<string | undefined> {
  if (!refreshToken) return undefined;
  const res = await sendJson('/api/account/refresh', JSON.stringify({ refreshToken }));
  if (!res.ok) {
    signOut();
    return undefined;
  }
  signedIn(((await res.json()) as { tokens: Tokens }).tokens);
  return accessToken();
}

/** The answer to a signed-in request; a 401 with a refresh token in memory is tried once more with a new token. */
export async function authorized(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const send = (token: string | undefined) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    return init.body === undefined
      ? fetch(`/api${path}`, { method: init.method ?? 'GET', headers })
      : sendJson(`/api${path}`, JSON.stringify(init.body), { method: init.method ?? 'POST', headers });
  };
  const res = await send(accessToken() ?? (await refreshed()));
  if (res.status !== 401 || !refreshToken) return res;
  const again = await refreshed();
  return again ? send(again) : res;
}
