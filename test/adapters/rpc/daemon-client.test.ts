import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { DaemonError } from '../../../core/errors.js';
import { deadUrl, FakeDaemon, type Handler, reply, rpcError, rpcResult } from './fake-daemon.js';

const daemons: FakeDaemon[] = [];
async function fake(handler: Handler): Promise<FakeDaemon> {
  const d = await FakeDaemon.start(handler);
  daemons.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.close()));
});

async function failure(p: Promise<unknown>): Promise<DaemonError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DaemonError);
  return err as DaemonError;
}

describe('DaemonClient requests', () => {
  it('posts JSON-RPC 1.0 with basic auth to the wallet path and returns the result', async () => {
    const d = await fake((req, res) => rpcResult(res, 42, req.id));
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p', wallet: 'pool' });
    expect(await client.call('getbalance', ['*'])).toBe(42);
    expect(d.requests[0]).toMatchObject({
      jsonrpc: '1.0',
      method: 'getbalance',
      params: ['*'],
      url: '/wallet/pool',
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
  });

  it('sends credentials only in the header, even when the URL carries some', async () => {
    const d = await fake((_req, res) => rpcResult(res, 1));
    const withCreds = d.url.replace('http://', 'http://x:y@');
    await new DaemonClient({ url: withCreds, user: 'u', password: 'p' }).getBlockCount();
    expect(d.requests[0]?.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(d.requests[0]?.url).toBe('/');
  });

  it('asks getblocktemplate with the given rules and longpollid', async () => {
    const d = await fake((_req, res) => rpcResult(res, { height: 1 }));
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    await client.getBlockTemplate(['mweb', 'segwit']);
    await client.getBlockTemplate(['mweb', 'segwit'], 'abc123');
    expect(d.requests.map((r) => r.params)).toEqual([
      [{ rules: ['mweb', 'segwit'] }],
      [{ rules: ['mweb', 'segwit'], longpollid: 'abc123' }],
    ]);
  });

  it('gives a long poll far more time than the default timeout', async () => {
    const d = await fake((_req, res) => setTimeout(() => rpcResult(res, { longpollid: 'next' }), 300));
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' }, 100);
    await expect(client.getBlockTemplate(['segwit'], 'abc')).resolves.toEqual({ longpollid: 'next' });
    const err = await failure(client.getBlockTemplate(['segwit']));
    expect(err.message).toMatch(/timed out after 100 ms/);
    const perCall = await failure(client.getBlockTemplate(['segwit'], 'abc', { timeoutMs: 50 }));
    expect(perCall.message).toMatch(/timed out after 50 ms/);
  });

  it('sends amounts as exact decimal strings and reads balances into base units', async () => {
    const d = await fake((req, res) => {
      if (req.method === 'getbalance') return rpcResult(res, 12.34567891);
      if (req.method === 'listunspent') return rpcResult(res, [{ txid: 't', vout: 0, amount: 0.1, confirmations: 1 }]);
      rpcResult(res, 'txid');
    });
    const wallet = new DaemonClient({ url: d.url, user: 'u', password: 'p', wallet: 'w' });
    await wallet.sendToAddress('rltc1qexample', 123_456_789n);
    expect(d.requests[0]?.params).toEqual(['rltc1qexample', '1.23456789']);
    expect(await wallet.getBalance()).toBe(1_234_567_891n);
    expect((await wallet.listUnspent())[0]?.units).toBe(10_000_000n);
  });
});

describe('DaemonClient errors', () => {
  it('turns an RPC error object into a DaemonError with its code, naming the method and the daemon', async () => {
    const d = await fake((_req, res) => rpcError(res, -9, 'Litecoin Core is not connected!'));
    const err = await failure(
      new DaemonClient({ url: d.url, user: 'u', password: 'hunter2' }).call('getblocktemplate'),
    );
    expect(err.rpcCode).toBe(-9);
    expect(err.message).toBe(`getblocktemplate on ${d.url}: Litecoin Core is not connected! (code -9)`);
  });

  it('maps an unknown method (HTTP 404 with an error object) to its RPC code', async () => {
    const d = await fake((_req, res) => rpcError(res, -32601, 'Method not found', 404));
    const err = await failure(new DaemonClient({ url: d.url, user: 'u', password: 'p' }).call('nosuch'));
    expect(err.rpcCode).toBe(-32601);
  });

  it('explains HTTP 401 and 403 without an RPC code', async () => {
    const d401 = await fake((_req, res) => reply(res, 401, ''));
    const d403 = await fake((_req, res) => reply(res, 403, ''));
    const e401 = await failure(new DaemonClient({ url: d401.url, user: 'u', password: 'p' }).getBlockCount());
    const e403 = await failure(new DaemonClient({ url: d403.url, user: 'u', password: 'p' }).getBlockCount());
    expect(e401.message).toMatch(
      /^getblockcount on http:\/\/127\.0\.0\.1:\d+: HTTP 401 \(wrong RPC user or password\)$/,
    );
    expect(e403.message).toMatch(/HTTP 403/);
    expect([e401.rpcCode, e403.rpcCode]).toEqual([undefined, undefined]);
  });

  it('rejects an answer that is not JSON, or JSON without a result', async () => {
    const html = await fake((_req, res) => reply(res, 200, '<html>busy</html>'));
    const noResult = await fake((_req, res) => reply(res, 200, { id: 1 }));
    const e1 = await failure(new DaemonClient({ url: html.url, user: 'u', password: 'p' }).getBlockCount());
    const e2 = await failure(new DaemonClient({ url: noResult.url, user: 'u', password: 'p' }).getBlockCount());
    expect(e1.message).toMatch(/answer is not JSON-RPC \("<html>busy<\/html>"\)/);
    expect(e2.message).toMatch(/answer is not JSON-RPC/);
  });

  it('reports a refused connection and a timeout', async () => {
    const slow = await fake(() => {});
    const refused = await failure(new DaemonClient({ url: await deadUrl(), user: 'u', password: 'p' }).getBlockCount());
    const timeout = await failure(new DaemonClient({ url: slow.url, user: 'u', password: 'p' }, 100).getBlockCount());
    expect(refused.message).toMatch(/getblockcount on .*: connection refused/);
    expect(timeout.message).toMatch(/getblockcount on .*: timed out after 100 ms/);
  });

  it('never puts the password in a message, even when the daemon echoes it back', async () => {
    // The fake daemon repeats the decoded Authorization header in every kind of failure it can produce.
    const echo =
      (kind: 'rpc' | 'html'): Handler =>
      (req, res) => {
        const secret = Buffer.from((req.authorization ?? '').slice(6), 'base64').toString();
        if (kind === 'rpc') rpcError(res, -1, `bad auth ${secret}`);
        else reply(res, 502, `<html>${secret}</html>`);
      };
    const rpc = await fake(echo('rpc'));
    const html = await fake(echo('html'));
    const dead = await deadUrl();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom(...'abcXYZ0129-_~!$'), minLength: 8, maxLength: 40 }),
        async (password) => {
          const errors = await Promise.all(
            [rpc.url, html.url, dead].map((url) =>
              failure(new DaemonClient({ url, user: 'u', password }).getBlockCount()),
            ),
          );
          for (const e of errors) expect(e.message).not.toContain(password);
        },
      ),
      { numRuns: 25 },
    );
  });
});
