import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { DaemonPool } from '../../../adapters/rpc/daemon-pool.js';
import { DaemonError } from '../../../core/errors.js';

type Handler = (body: { method: string; params: unknown[] }, req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];

async function fakeDaemon(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => handler(JSON.parse(raw), req, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const reply = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const silent = { warn() {}, info() {} };

describe('DaemonClient', () => {
  it('sends JSON-RPC with basic auth to the wallet path and returns the result', async () => {
    let seen: { auth?: string; url?: string; method?: string; params?: unknown[] } = {};
    const url = await fakeDaemon((body, req, res) => {
      seen = { auth: req.headers.authorization, url: req.url, method: body.method, params: body.params };
      reply(res, 200, { result: 42, error: null, id: 1 });
    });
    const client = new DaemonClient({ url, user: 'u', password: 'p', wallet: 'pool' });
    expect(await client.call('getbalance', ['*'])).toBe(42);
    expect(seen).toEqual({
      auth: `Basic ${Buffer.from('u:p').toString('base64')}`,
      url: '/wallet/pool',
      method: 'getbalance',
      params: ['*'],
    });
  });

  it('turns an RPC error object into a DaemonError with the code', async () => {
    const url = await fakeDaemon((_b, _r, res) =>
      reply(res, 500, { result: null, error: { code: -9, message: 'Litecoin Core is not connected!' } }),
    );
    const err = await new DaemonClient({ url, user: 'u', password: 'hunter2' })
      .call('getblocktemplate')
      .catch((e: DaemonError) => e);
    expect(err).toBeInstanceOf(DaemonError);
    if (!(err instanceof DaemonError)) return;
    expect(err.rpcCode).toBe(-9);
    expect(err.message).toMatch(
      /getblocktemplate on http:\/\/127\.0\.0\.1:\d+: Litecoin Core is not connected! \(code -9\)/,
    );
    expect(err.message).not.toContain('hunter2');
  });

  it('explains HTTP 401, non-JSON answers, timeouts and refused connections without leaking the password', async () => {
    const url401 = await fakeDaemon((_b, _r, res) => reply(res, 401, ''));
    const urlHtml = await fakeDaemon((_b, _r, res) => reply(res, 200, '<html>'));
    const urlSlow = await fakeDaemon(() => {});
    const closed = await fakeDaemon(() => {});
    const s = servers.pop()!;
    await new Promise((r) => s.close(r)); // nothing listens there any more
    const errors = await Promise.all([
      new DaemonClient({ url: url401, user: 'u', password: 'hunter2' })
        .call<number>('getblockcount')
        .catch((e: DaemonError) => e),
      new DaemonClient({ url: urlHtml, user: 'u', password: 'hunter2' })
        .call<number>('getblockcount')
        .catch((e: DaemonError) => e),
      new DaemonClient({ url: urlSlow, user: 'u', password: 'hunter2' }, 100)
        .call<number>('getblockcount')
        .catch((e: DaemonError) => e),
      new DaemonClient({ url: closed, user: 'u', password: 'hunter2' }).call('getblockcount').catch((e) => e),
    ]);
    expect(errors.map((e) => e instanceof DaemonError)).toEqual([true, true, true, true]);
    const [e401, eHtml, eSlow, eClosed] = errors as DaemonError[];
    expect(e401!.message).toMatch(/HTTP 401 \(wrong RPC user or password\)/);
    expect(eHtml!.message).toMatch(/answer is not JSON-RPC/);
    expect(eSlow!.message).toMatch(/timed out after 100 ms/);
    expect(eClosed!.message).toMatch(/connection refused/);
    for (const e of errors as DaemonError[]) expect(e.message).not.toContain('hunter2');
  });
});

describe('DaemonPool', () => {
  it('serves templates from the first healthy daemon and fails over when it goes down', async () => {
    let aUp = true;
    const answer =
      (name: string, up: () => boolean): Handler =>
      (body, req, res) => {
        if (!up()) return req.socket.destroy();
        reply(res, 200, { result: body.method === 'getblocktemplate' ? { from: name } : { blocks: 1 }, error: null });
      };
    const a = await fakeDaemon(answer('a', () => aUp));
    const b = await fakeDaemon(answer('b', () => true));
    const pool = new DaemonPool(
      [
        { url: a, user: 'u', password: 'p' },
        { url: b, user: 'u', password: 'p' },
      ],
      silent,
      60_000,
    );
    await pool.start();
    expect(await pool.primary()!.getBlockTemplate(['segwit'])).toEqual({ from: 'a' });
    aUp = false;
    await expect(pool.primary()!.getBlockTemplate(['segwit'])).rejects.toBeInstanceOf(DaemonError);
    expect(pool.healthyCount()).toBe(1);
    expect(await pool.primary()!.getBlockTemplate(['segwit'])).toEqual({ from: 'b' });
    pool.stop();
  });

  it('does not fail over when the daemon is up and refuses the request', async () => {
    const a = await fakeDaemon((_b, _r, res) =>
      reply(res, 500, { result: null, error: { code: -8, message: 'bad rules' } }),
    );
    const pool = new DaemonPool([{ url: a, user: 'u', password: 'p' }], silent, 60_000);
    await expect(pool.primary()!.getBlockTemplate([])).rejects.toThrow(/bad rules/);
    expect(pool.healthyCount()).toBe(1);
  });

  it('submits a block to every healthy daemon and reports each answer', async () => {
    const got: string[] = [];
    const mk = (name: string, result: string | null) =>
      fakeDaemon((body, _r, res) => {
        if (body.method === 'submitblock') got.push(name);
        reply(res, 200, { result: body.method === 'submitblock' ? result : { blocks: 1 }, error: null });
      });
    const pool = new DaemonPool(
      [
        { url: await mk('a', null), user: 'u', password: 'p' },
        { url: await mk('b', 'duplicate'), user: 'u', password: 'p' },
      ],
      silent,
      60_000,
    );
    await pool.start();
    const answers = await pool.submitBlockEverywhere('00');
    expect(got.sort()).toEqual(['a', 'b']);
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value : 'error'))).toEqual([null, 'duplicate']);
    pool.stop();
  });
});
