import { isIP } from 'node:net';
import { sameSecret } from '../../core/notify/signature.js';

/**
 * Behind CloudFront (infra/stacks/api-stack.ts), API Gateway's requestContext.http.sourceIp is a CloudFront edge
 * server's address, shared by every viewer of that edge: the per-IP limits would count them all as one. CloudFront
 * adds two headers to each account API request: the viewer's address (a CloudFront Function writes it over whatever
 * the client sent) and a secret (POOL_ORIGIN_SECRET_ARN) that only the distribution knows. A request with the secret
 * came through CloudFront, so its viewer header is CloudFront's; one without it went straight to the HTTP API's own
 * endpoint, bypassing CloudFront, and is refused.
 */
export const VIEWER_IP_HEADER = 'x-edgepool-viewer-ip';
export const ORIGIN_SECRET_HEADER = 'x-edgepool-origin';

/**
 * The client's address of a request (lower-cased headers), or undefined when it did not come through the
 * distribution. Without a secret (no distribution in front: tests, a stack without CloudFront) the connection's own
 * address is the client's.
 */
export function clientAddress(
  headers: Readonly<Record<string, string | undefined>>,
  connectionIp: string,
  originSecret: string | undefined,
): string | undefined {
  if (originSecret === undefined) return connectionIp;
  if (!sameSecret(headers[ORIGIN_SECRET_HEADER], originSecret)) return undefined;
  const viewer = headers[VIEWER_IP_HEADER]?.trim();
  return viewer && isIP(viewer) ? viewer : connectionIp;
}
