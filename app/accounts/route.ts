import type { TokenSubject } from '../../core/ports/identity.js';

/**
 * The account API's request, response and route shapes (issue 19), transport-agnostic like the stats API's: API
 * Gateway HTTP API events in AWS (lambdas/accounts/handler.ts), node:http locally (local/api.ts). The account routes
 * live under /api/account (signed in: `Authorization: Bearer <access token>`, never a cookie), /api/watch (watcher
 * links, public) and /api/telegram (the bot's webhook). Answers are never cached (`cache-control: no-store`).
 */
export type AccountMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface AccountRequest {
  method: string;
  /** Under /api, as received. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body?: string;
  /** The client's address (API Gateway's requestContext.http.sourceIp; the socket's locally). For the log and limits. */
  sourceIp: string;
}

export interface AccountResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A route's handler gets the path's `:name` segments, decoded, and the signed-in subject where the route needs one. */
export type AccountRouteRequest = AccountRequest & {
  params: Readonly<Record<string, string>>;
  /** Set (verified) for routes with `auth: true`; the router answers 401 before the handler otherwise. */
  subject?: TokenSubject;
};

export interface AccountRoute<D> {
  method: AccountMethod;
  /** Literal and `:name` segments, under /api (e.g. `/account/settings/:coin`). */
  pattern: string;
  /** The route needs a valid access token. */
  auth: boolean;
  handler: (req: AccountRouteRequest, deps: D) => Promise<AccountResponse>;
}
