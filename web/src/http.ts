/**
 * A JSON request with a body. In AWS CloudFront signs the request for the API's origin (origin access control), and
 * Lambda takes no unsigned body: the browser gives the body's SHA-256. (crypto.subtle exists on https and localhost
 * only: a local pool reached over plain http on the LAN needs no signature.)
 */
export async function sendJson(
  url: string,
  body: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const digest = crypto.subtle
    ? new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)))
    : undefined;
  return fetch(url, {
    method: init.method ?? 'POST',
    headers: {
      'content-type': 'application/json',
      ...(digest && { 'x-amz-content-sha256': Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') }),
      ...init.headers,
    },
    body,
  });
}
