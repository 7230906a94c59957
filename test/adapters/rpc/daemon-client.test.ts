import type { Socket } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { deadUrl, FakeDaemon, failure, type Handler, reply, rpcError, rpcResult } from './fake-daemon.js';

const daemons: FakeDaemon[] = [];
async function fake(handler: Handler): Promise<FakeDaemon> {
  const d = await FakeDaemon.start(handler);
  daemons.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.close()));
});

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

describe('DaemonClient kept-alive connection (submitblock)', () => {
  /** A daemon answering every call, recording the client port each request came from. */
  async function portRecorder() {
    const ports: Array<{ method: string; port: number | undefined }> = [];
    const sockets = new Set<Socket>();
    const d = await fake((req, res, raw) => {
      ports.push({ method: req.method, port: raw.socket.remotePort });
      sockets.add(raw.socket);
      rpcResult(res, req.method === 'submitblock' ? null : { connections: 8 }, req.id);
    });
    return { d, ports, sockets };
  }

  it('sends every submitblock over one kept-alive connection, other calls on a connection each', async () => {
    const { d, ports } = await portRecorder();
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      for (let i = 0; i < 3; i++) expect(await client.submitBlock('00ff')).toBeNull();
      await client.getNetworkInfo({ keepAlive: true });
      await client.getBlockCount();
      await client.getBlockCount();
      const kept = ports.filter((p) => p.method !== 'getblockcount').map((p) => p.port);
      expect(new Set(kept).size).toBe(1);
      const once = ports.filter((p) => p.method === 'getblockcount').map((p) => p.port);
      expect(new Set([...once, ...kept]).size).toBe(3);
    } finally {
      client.close();
    }
  });

  it('sends a submitblock again on a new connection when the kept one was closed by the daemon', async () => {
    const seen = new WeakSet<Socket>();
    let dropped = 0;
    const d = await fake((req, res, raw) => {
      // The second request on the kept connection meets a daemon that closed it (restart, idle timeout race).
      if (seen.has(raw.socket) && dropped === 0) {
        dropped++;
        raw.socket.destroy();
        return;
      }
      seen.add(raw.socket);
      rpcResult(res, null, req.id);
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      expect(await client.submitBlock('01')).toBeNull();
      expect(await client.submitBlock('02')).toBeNull();
      expect(dropped).toBe(1);
      expect(d.requests.map((r) => r.params)).toEqual([['01'], ['02'], ['02']]);
    } finally {
      client.close();
    }
  });

  it('reports a refused connection and a timeout on the kept-alive path like on the others', async () => {
    const slow = await fake(() => {});
    const refused = new DaemonClient({ url: await deadUrl(), user: 'u', password: 'p' });
    const timeout = new DaemonClient({ url: slow.url, user: 'u', password: 'p' }, 100);
    try {
      const r = await failure(refused.getNetworkInfo({ keepAlive: true }));
      const t = await failure(timeout.getNetworkInfo({ keepAlive: true }));
      expect(r.message).toMatch(/getnetworkinfo on .*: connection refused/);
      expect(t.message).toMatch(/getnetworkinfo on .*: timed out after 100 ms/);
    } finally {
      refused.close();
      timeout.close();
    }
  });

  it('times out a submitblock whose answer stalls after its headers, and the next block goes out on a new socket', async () => {
    let stalled = 0;
    const d = await fake((req, res) => {
      if (stalled++ === 0) {
        // The headers and the start of a body, then nothing: a daemon wedged mid-answer.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"result":');
        return;
      }
      rpcResult(res, null, req.id);
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' }, 200);
    try {
      const started = performance.now();
      const err = await failure(client.call('submitblock', ['00'], { keepAlive: true, timeoutMs: 200 }));
      expect(err.message).toMatch(/submitblock on .*: timed out after 200 ms/);
      expect(performance.now() - started).toBeLessThan(2_000);
      expect(await client.submitBlock('01')).toBeNull();
    } finally {
      client.close();
    }
  });

  it('sends a block given as hex pieces as one submitblock whose parameter is their concatenation', async () => {
    const d = await fake((req, res) => {
      rpcResult(res, req.method === 'submitblock' ? 'inconclusive' : null, req.id);
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      const pieces = ['00'.repeat(80), '03', 'ab'.repeat(150), 'cd'.repeat(70_000), '01', 'ef'.repeat(5)];
      expect(await client.submitBlock(pieces)).toBe('inconclusive');
      expect(await client.submitBlock([])).toBe('inconclusive');
      expect(d.requests.map((r) => [r.method, r.params, r.jsonrpc])).toEqual([
        ['submitblock', [pieces.join('')], '1.0'],
        ['submitblock', [''], '1.0'],
      ]);
      expect(new Set(d.requests.map((r) => r.id)).size).toBe(2);
    } finally {
      client.close();
    }
  });

  it('lets one health check at a time share the submit connection: a hung daemon never takes all its sockets', async () => {
    const held: Array<() => void> = [];
    const submitPorts: Array<number | undefined> = [];
    const checkPorts: Array<number | undefined> = [];
    const d = await fake((req, res, raw) => {
      if (req.method === 'submitblock') {
        submitPorts.push(raw.socket.remotePort);
        return rpcResult(res, null, req.id);
      }
      checkPorts.push(raw.socket.remotePort);
      held.push(() => rpcResult(res, { connections: 8 }, req.id)); // answered only at the end
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      expect(await client.submitBlock('aa')).toBeNull(); // the submit connection is open
      const checks = Array.from({ length: 6 }, () => client.getNetworkInfo({ keepAlive: true }));
      while (held.length < 6) await new Promise((r) => setTimeout(r, 5));
      // Six checks hang; a found block is still sent and answered at once, on a kept socket.
      expect(await client.submitBlock('bb')).toBeNull();
      expect(checkPorts.filter((p) => submitPorts.includes(p))).toHaveLength(1);
      for (const release of held) release();
      await Promise.all(checks);
    } finally {
      client.close();
    }
  });

  it('closes the kept-alive connection on close(), so a stopping daemon does not wait for it', async () => {
    const { d, sockets } = await portRecorder();
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    await client.submitBlock('00');
    const [socket] = [...sockets];
    expect(socket?.destroyed).toBe(false);
    const closed = new Promise((r) => socket?.once('close', r));
    client.close();
    await closed;
    expect(await client.submitBlock('00')).toBeNull(); // a later block opens a new one
    client.close();
  });
});
