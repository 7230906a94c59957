import { z } from 'zod';
import { BadRequestError, NotFoundError } from '../../core/errors.js';
import { SignInRefusedError } from '../../core/ports/identity.js';
import { findRoute, pathParts } from '../shared/routing.js';
import { httpStatusOf } from '../stats/http-errors.js';
import { checkSession, confirmEmail, refresh, signIn, signInTotp, signInWithRecoveryCode, signUp } from './auth.js';
import type { AccountApiDeps } from './deps.js';
import { NotSignedInError, RateLimitedError } from './errors.js';
import { jsonAnswer, parseBody } from './http.js';
import { confirmMoneyChange, requestMoneyChange } from './money.js';
import {
  completePasskeyRegistration,
  deletePasskey,
  listPasskeys,
  signInWithPasskey,
  startPasskeyRegistration,
  startPasskeySignIn,
} from './passkeys.js';
import { forgotPassword, resetPassword } from './password.js';
import { addIdentity, changeLog, me, removeIdentity, startTotp, verifyTotp } from './profile.js';
import type { AccountRequest, AccountResponse, AccountRoute, AccountRouteRequest } from './route.js';
import { createWatcher, listWatchers, revokeWatcher, watchView } from './watchers.js';

/**
 * The account API (issue 19), transport-agnostic like the stats API: API Gateway HTTP API events in AWS
 * (lambdas/accounts/handler.ts), node:http locally (local/api.ts). docs/accounts.md lists the routes and bodies.
 * Signed-in routes take `Authorization: Bearer <access token>`, verified here through the identity provider (the
 * same code path in AWS, where a JWT authorizer checked it too, and locally), and refused when its sign-in came before
 * a password reset or a recovery code ended the account's sessions (checkSession). Bodies are parsed with zod (400 with
 * the reason); a known path with another method is 405 with Allow; every answer is `no-store`; no answer carries a
 * password, a token it did not just make, a TOTP secret after enrollment or another account's email.
 */

/** The largest body a route reads (a signed identity is well under 1 KB). */
const MAX_BODY_BYTES = 8192;

const email = z.string().max(320);
const password = z.string().min(1).max(256);
const code = z.string().regex(/^\d{6}$/, 'a 6-digit code');
const token = z.string().min(16).max(128);
const recoveryCode = z.string().min(1).max(32);
/** A WebAuthn JSON answer (RegistrationResponseJSON, AuthenticationResponseJSON): checked by the identity provider. */
const webAuthnJson = z.record(z.string(), z.unknown());
const baseUnits = z
  .string()
  .regex(/^\d{1,30}$/, 'an integer of base units, in digits')
  .transform((s) => BigInt(s));

const bodies = {
  signUp: z.strictObject({ email, password, referralCode: z.string().max(16).optional() }),
  signIn: z.strictObject({ email, password }),
  totp: z.strictObject({ email, session: z.string().min(1).max(4096), code }),
  recovery: z.strictObject({ email, password, recoveryCode }),
  refresh: z.strictObject({ refreshToken: z.string().min(1).max(8192) }),
  token: z.strictObject({ token }),
  confirm: z.strictObject({ token, password }),
  forgot: z.strictObject({ email }),
  reset: z.strictObject({ token, password, totp: code.optional(), recoveryCode: recoveryCode.optional() }),
  code: z.strictObject({ code }),
  identity: z.strictObject({
    coin: z.string().min(1).max(16),
    address: z.string().min(1).max(128),
    label: z.string().max(64).default(''),
    time: z.string().max(40),
    signature: z.string().min(1).max(1024),
  }),
  moneyChange: z.strictObject({
    threshold: baseUnits.optional(),
    payoutAddress: z.string().min(1).max(128).optional(),
    currency: z.string().min(1).max(16).optional(),
    currencyAddress: z.string().min(1).max(128).optional(),
    password,
    totp: code,
  }),
  watcher: z.strictObject({ label: z.string().max(64).default('') }),
  passkeyStepUp: z.strictObject({ password, totp: code.optional() }),
  passkeyCredential: z.strictObject({ credential: webAuthnJson }),
  passkeySignInStart: z.strictObject({ email }),
  passkeySignIn: z.strictObject({ email, session: z.string().min(1).max(4096), credential: webAuthnJson }),
  empty: z.strictObject({}),
};

const bodyOf = <S extends z.ZodType>(schema: S, req: AccountRequest) => parseBody(schema, req.body);
const json = jsonAnswer;

const accountOf = (r: AccountRouteRequest) => r.subject!.sub;
const bearer = (r: AccountRequest) => /^Bearer\s+(\S+)$/i.exec(r.headers.authorization ?? '')?.[1];

function limitOf(q: URLSearchParams): number {
  const raw = q.get('limit') ?? '50';
  const n = /^[1-9]\d{0,2}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n <= 500)) throw new BadRequestError('limit must be an integer from 1 to 500, in digits');
  return n;
}

type Route = AccountRoute<AccountApiDeps>;
const route = (method: Route['method'], pattern: string, auth: boolean, handler: Route['handler']): Route => ({
  method,
  pattern,
  auth,
  handler,
});

export const ACCOUNT_ROUTES: readonly Route[] = [
  route('POST', '/account/signup', false, async (r, d) => {
    await signUp(d, bodyOf(bodies.signUp, r), r.sourceIp);
    return json(202, { status: 'check-your-email' });
  }),
  route('POST', '/account/confirm', false, async (r, d) => {
    await confirmEmail(d, bodyOf(bodies.confirm, r), r.sourceIp);
    return json(200, { confirmed: true });
  }),
  route('POST', '/account/password/forgot', false, async (r, d) => {
    await forgotPassword(d, bodyOf(bodies.forgot, r), r.sourceIp);
    return json(202, { status: 'check-your-email' });
  }),
  route('POST', '/account/password/reset', false, async (r, d) => {
    await resetPassword(d, bodyOf(bodies.reset, r), r.sourceIp);
    return json(200, { reset: true });
  }),
  route('POST', '/account/signin', false, async (r, d) => {
    const out = await signIn(d, bodyOf(bodies.signIn, r), r.sourceIp);
    return json(200, out.kind === 'tokens' ? { kind: 'tokens', tokens: out.tokens } : out);
  }),
  route('POST', '/account/signin/totp', false, async (r, d) =>
    json(200, { kind: 'tokens', tokens: await signInTotp(d, bodyOf(bodies.totp, r), r.sourceIp) }),
  ),
  route('POST', '/account/signin/recovery', false, async (r, d) =>
    json(200, { kind: 'tokens', tokens: await signInWithRecoveryCode(d, bodyOf(bodies.recovery, r), r.sourceIp) }),
  ),
  route('POST', '/account/refresh', false, async (r, d) =>
    json(200, { tokens: await refresh(d, bodyOf(bodies.refresh, r).refreshToken) }),
  ),
  route('POST', '/account/signin/passkey/start', false, async (r, d) =>
    json(200, await startPasskeySignIn(d, bodyOf(bodies.passkeySignInStart, r), r.sourceIp)),
  ),
  route('POST', '/account/signin/passkey', false, async (r, d) =>
    json(200, { kind: 'tokens', tokens: await signInWithPasskey(d, bodyOf(bodies.passkeySignIn, r), r.sourceIp) }),
  ),
  route('GET', '/account/me', true, async (r, d) => json(200, await me(d, accountOf(r)))),
  route('POST', '/account/totp/start', true, async (r, d) => {
    bodyOf(bodies.empty, r);
    return json(200, await startTotp(d, accountOf(r), bearer(r)!));
  }),
  route('POST', '/account/totp/verify', true, async (r, d) =>
    json(200, await verifyTotp(d, accountOf(r), bearer(r)!, bodyOf(bodies.code, r).code, r.sourceIp)),
  ),
  route('POST', '/account/identities', true, async (r, d) =>
    json(201, { identity: await addIdentity(d, accountOf(r), bodyOf(bodies.identity, r), r.sourceIp) }),
  ),
  route('DELETE', '/account/identities/:coin/:address', true, async (r, d) => {
    await removeIdentity(d, accountOf(r), r.params.coin!, r.params.address!, r.sourceIp);
    return json(200, { removed: true });
  }),
  route('GET', '/account/log', true, async (r, d) => json(200, await changeLog(d, accountOf(r), limitOf(r.query)))),
  route('POST', '/account/settings/:coin', true, async (r, d) =>
    json(202, await requestMoneyChange(d, accountOf(r), r.params.coin!, bodyOf(bodies.moneyChange, r), r.sourceIp)),
  ),
  route('POST', '/account/changes/confirm', false, async (r, d) =>
    json(200, await confirmMoneyChange(d, bodyOf(bodies.token, r).token, r.sourceIp)),
  ),
  route('GET', '/account/passkeys', true, async (r, d) => json(200, await listPasskeys(d, bearer(r)!))),
  route('POST', '/account/passkeys/start', true, async (r, d) =>
    json(200, await startPasskeyRegistration(d, accountOf(r), bearer(r)!, bodyOf(bodies.passkeyStepUp, r))),
  ),
  route('POST', '/account/passkeys', true, async (r, d) =>
    json(
      201,
      await completePasskeyRegistration(
        d,
        accountOf(r),
        bearer(r)!,
        bodyOf(bodies.passkeyCredential, r).credential,
        r.sourceIp,
      ),
    ),
  ),
  route('DELETE', '/account/passkeys/:id', true, async (r, d) => {
    await deletePasskey(d, accountOf(r), bearer(r)!, r.params.id!, bodyOf(bodies.passkeyStepUp, r), r.sourceIp);
    return json(200, { removed: true });
  }),
  route('GET', '/account/watchers', true, async (r, d) => json(200, await listWatchers(d, accountOf(r)))),
  route('POST', '/account/watchers', true, async (r, d) =>
    json(201, await createWatcher(d, accountOf(r), bodyOf(bodies.watcher, r).label, r.sourceIp)),
  ),
  route('DELETE', '/account/watchers/:id', true, async (r, d) => {
    await revokeWatcher(d, accountOf(r), r.params.id!, r.sourceIp);
    return json(200, { revoked: true });
  }),
  route('GET', '/watch/:token', false, async (r, d) => json(200, await watchView(d, r.params.token!))),
];

/** Whether a path is the account API's (the rest of /api is the stats API's). */
export function isAccountApiPath(path: string): boolean {
  return /^\/api\/(account|watch|telegram)(\/|$)/.test(path);
}

export async function handleAccountApi(req: AccountRequest, deps: AccountApiDeps): Promise<AccountResponse> {
  try {
    if ((req.body?.length ?? 0) > MAX_BODY_BYTES) throw new BadRequestError('the body is too large');
    const routes: readonly AccountRoute<unknown>[] = [
      ...(ACCOUNT_ROUTES as readonly AccountRoute<unknown>[]),
      ...(deps.extraRoutes ?? []),
    ];
    const found = findRoute(routes, req.method, pathParts(req.path));
    if (!found) throw new NotFoundError('no such account route');
    if ('allow' in found) {
      const res = json(405, { error: `${req.method} is not allowed here: use ${found.allow.join(' or ')}` });
      return { ...res, headers: { ...res.headers, allow: found.allow.join(', ') } };
    }
    let subject: AccountRouteRequest['subject'];
    if (found.route.auth) {
      const accessToken = bearer(req);
      if (accessToken === undefined) throw new NotSignedInError();
      try {
        subject = await deps.identity.verifyAccessToken(accessToken);
      } catch {
        throw new NotSignedInError();
      }
      // A token of a sign-in before a password reset (or a recovery code) is still well signed: refused here.
      if (!(await checkSession(deps, subject))) throw new NotSignedInError();
    }
    // Awaited here, so that a route's errors reach the catch below instead of escaping as a 500.
    return await found.route.handler({ ...req, params: found.params, ...(subject && { subject }) }, deps);
  } catch (err) {
    if (err instanceof SignInRefusedError) return json(401, { error: err.message });
    const status = httpStatusOf(err);
    if (status === undefined) throw err;
    const res = json(status, { error: (err as Error).message });
    if (err instanceof RateLimitedError) res.headers['retry-after'] = String(err.retryAfterSeconds);
    return res;
  }
}
