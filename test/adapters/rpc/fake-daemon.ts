import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { DaemonError } from '../../../core/errors.js';

/** One JSON-RPC request as the fake daemon saw it. */
export interface SeenRequest {
  method: string;
  params: unknown[];
  id: unknown;
  jsonrpc: unknown;
  url: string;
  authorization: string | undefined;
}

export type Handler = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => void;

/** A tiny HTTP server on 127.0.0.1:0 standing in for litecoind's RPC port. */
export class FakeDaemon {
  readonly requests: SeenRequest[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(handler: Handler): Promise<FakeDaemon> {
    let self: FakeDaemon | undefined;
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString();
      });
      req.on('end', () => {
        const body = JSON.parse(raw) as Omit<SeenRequest, 'url' | 'authorization'>;
        const seen = { ...body, url: req.url ?? '', authorization: req.headers.authorization };
        self?.requests.push(seen);
        handler(seen, res, req);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    self = new FakeDaemon(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return self;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

export function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** The answer bitcoind gives: HTTP 200 with a result, or HTTP 500 with an error object. */
export function rpcResult(res: ServerResponse, result: unknown, id: unknown = 1): void {
  reply(res, 200, { result, error: null, id });
}

export function rpcError(res: ServerResponse, code: number, message: string, status = 500): void {
  reply(res, status, { result: null, error: { code, message }, id: 1 });
}

/** A URL where nothing listens: a server bound to an ephemeral port, then closed. */
export async function deadUrl(): Promise<string> {
  const d = await FakeDaemon.start(() => {});
  await d.close();
  return d.url;
}

/** The DaemonError a call fails with (the test fails if it succeeds or fails otherwise). */
export async function failure(p: Promise<unknown>): Promise<DaemonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DaemonError);
  return err as DaemonError;
}
