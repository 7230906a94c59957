import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../../core/ports/logger.js';
import type { Method } from './methods.js';
import { RPC, RpcError } from './node.js';

/**
 * JSON-RPC 1.0 over HTTP POST with basic auth, as dogecoind serves it: `{result, error, id}`, an error with HTTP 500
 * (404 for an unknown method), 401 without a body for wrong credentials. Only `/` answers: Dogecoin Core 1.14 has
 * one wallet and registers its JSON-RPC handler on `/` alone (src/httprpc.cpp), so `/wallet/<name>` (Bitcoin Core
 * 0.15+ multiwallet) is a 404. Listens on 127.0.0.1 only.
 */

/** A request body larger than this is refused (the largest call, a submitauxblock, is a few kilobytes). */
const MAX_BODY = 4 << 20;

export async function serveRpc(opts: {
  methods: Record<string, Method>;
  user: string;
  password: string;
  port?: number;
  log: Pick<Logger, 'warn'>;
}): Promise<{ server: Server; port: number }> {
  const expected = Buffer.from(`Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`);
  const server = createServer((req, res) => {
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"' }).end();
      return;
    }
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/') {
      res.writeHead(404).end();
      return;
    }
    readBody(req)
      .then((body) => answer(body, opts.methods, opts.log, res))
      .catch((err: Error) => reply(res, 413, { result: null, error: { code: RPC.MISC, message: err.message } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

interface Request {
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

/** Never rejects: every method's failure is its JSON-RPC error. */
async function answer(
  body: string,
  methods: Record<string, Method>,
  log: Pick<Logger, 'warn'>,
  res: ServerResponse,
): Promise<void> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    reply(res, 500, { result: null, error: { code: -32700, message: 'Parse error' }, id: null });
    return;
  }
  if (Array.isArray(parsed)) {
    reply(
      res,
      200,
      (await Promise.all(parsed.map((r) => call(r as Request, methods, log)))).map((r) => r.body),
    );
    return;
  }
  const { status, body: out } = await call(parsed as Request, methods, log);
  reply(res, status, out);
}

/** One call; a method may answer later (getblocktemplate's long poll). */
async function call(req: Request, methods: Record<string, Method>, log: Pick<Logger, 'warn'>) {
  const id = req?.id ?? null;
  const method =
    typeof req?.method === 'string' && Object.hasOwn(methods, req.method) ? methods[req.method] : undefined;
  if (!method) {
    return {
      status: 404,
      body: { result: null, error: { code: RPC.METHOD_NOT_FOUND, message: 'Method not found' }, id },
    };
  }
  try {
    const params = Array.isArray(req.params) ? req.params : [];
    return { status: 200, body: { result: (await method(params)) ?? null, error: null, id } };
  } catch (err) {
    if (err instanceof RpcError) {
      return { status: 500, body: { result: null, error: { code: err.code, message: err.message }, id } };
    }
    log.warn({ method: req.method, err: (err as Error).message }, 'doge stand-in: RPC failed');
    return { status: 500, body: { result: null, error: { code: RPC.MISC, message: (err as Error).message }, id } };
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
