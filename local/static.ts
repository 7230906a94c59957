import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * No other site may show the dashboard in a frame (clickjacking: a sign-in or payout form under a decoy page).
 * frame-ancestors is a header-only CSP directive (index.html's meta policy cannot carry it); X-Frame-Options for
 * browsers that predate it. The rest of the policy is in index.html.
 */
export const FRAMING = { 'content-security-policy': "frame-ancestors 'none'", 'x-frame-options': 'DENY' } as const;

/** Serves the built dashboard (web/dist) the way CloudFront serves it from S3: files, index.html for "/". */
export function createStaticRoutes(dir: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const rel = path === '/' ? 'index.html' : normalize(path).replace(/^[/\\]+/, '');
    if (rel.startsWith('..') || !(extname(rel) in TYPES)) return false;
    try {
      const body = await readFile(join(dir, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)]!, 'cache-control': 'no-cache', ...FRAMING });
      res.end(body);
      return true;
    } catch {
      return false;
    }
  };
}
