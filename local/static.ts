import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Serves the built dashboard (web/dist) the way CloudFront serves it from S3: files, index.html for "/". */
export function createStaticRoutes(dir: string) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const rel = path === '/' ? 'index.html' : normalize(path).replace(/^[/\\]+/, '');
    if (rel.startsWith('..') || !(extname(rel) in TYPES)) return false;
    try {
      const body = await readFile(join(dir, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)]!, 'cache-control': 'no-cache' });
      res.end(body);
      return true;
    } catch {
      return false;
    }
  };
}
