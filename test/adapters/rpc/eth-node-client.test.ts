import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EthNodeClient, parseWork } from '../../../adapters/rpc/eth-node-client.js';
import { DaemonError } from '../../../core/errors.js';
import { freePorts } from '../../../local/devnet/process.js';

const H = (b: string) => `0x${b.repeat(32)}`;

/** A one-route HTTP server answering each request with what `answer` returns (status, body). */
async function node(
  answer: (body: { method: string; params: unknown[]; jsonrpc: string }, req: IncomingMessage) => [number, string],
) {
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => {
      text += d;
    });
    req.on('end', () => {
      const [status, body] = answer(JSON.parse(text), req);
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
const ok = (result: unknown) => JSON.stringify({ jsonrpc: '2.0', id: 1, result });

describe('EthNodeClient (core-geth JSON-RPC 2.0)', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it('sends JSON-RPC 2.0 (geth refuses 1.0) and reads eth_getWork with its block number, lower-cased', async () => {
    let seen: { jsonrpc: string; method: string } | undefined;
    const s = await node((body) => {
      seen = body;
      return [200, ok([H('AB'), H('00'), H('01'), '0x2a'])];
    });
    servers.push(s);
    const work = await new EthNodeClient({ url: url(s) }).getWork();
    expect(seen).toMatchObject({ jsonrpc: '2.0', method: 'eth_getWork' });
    expect(work).toEqual({ headerHash: H('ab'), seedHash: H('00'), target: H('01'), blockNumber: 42 });
  });

  it('sends credentials as Basic auth only when given, and never names them in errors', async () => {
    const auths: (string | undefined)[] = [];
    const s = await node((_b, req) => {
      auths.push(req.headers.authorization);
      return [500, 'oops'];
    });
    servers.push(s);
    await expect(new EthNodeClient({ url: url(s) }).blockNumber()).rejects.toThrow(/HTTP 500/);
    const withCreds = new EthNodeClient({ url: url(s), user: 'pool', password: 's3cret' });
    const err = await withCreds.blockNumber().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as Error).message).not.toContain('s3cret');
    expect(auths).toEqual([undefined, `Basic ${Buffer.from('pool:s3cret').toString('base64')}`]);
  });

  it('an RPC error object is a DaemonError with its code (the node is up and refused)', async () => {
    const s = await node(() => [
      200,
      JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'no mining work available yet' } }),
    ]);
    servers.push(s);
    const err = (await new EthNodeClient({ url: url(s) }).getWork().catch((e: unknown) => e)) as DaemonError;
    expect(err.message).toBe(`eth_getWork on ${url(s)}: no mining work available yet (code -32000)`);
    expect(err.rpcCode).toBe(-32000);
  });

  it('a node that is not there is a DaemonError without a code, saying so', async () => {
    const [port] = await freePorts(1);
    const err = (await new EthNodeClient({ url: `http://127.0.0.1:${port}` })
      .getWork()
      .catch((e: unknown) => e)) as DaemonError;
    expect(err).toBeInstanceOf(DaemonError);
    expect(err.message).toMatch(/eth_getWork on http:\/\/127\.0\.0\.1:\d+: connection refused/);
    expect(err.rpcCode).toBeUndefined();
  });

  it('eth_submitWork answers true or false; anything else is an error', async () => {
    const answers = [true, false, 'yes'];
    const s = await node(() => [200, ok(answers.shift())]);
    servers.push(s);
    const client = new EthNodeClient({ url: url(s) });
    const args = ['0x0000000000000001', H('ab'), H('cd')] as const;
    expect(await client.submitWork(...args)).toBe(true);
    expect(await client.submitWork(...args)).toBe(false);
    await expect(client.submitWork(...args)).rejects.toThrow(/answered "yes", not a boolean/);
  });

  it('a block by number: difficulty as bigint, hashes and uncles; null where the node has none', async () => {
    const s = await node((body) => [
      200,
      ok(
        body.params[0] === '0x5'
          ? {
              number: '0x5',
              hash: H('11'),
              parentHash: H('22'),
              miner: '0x00000000000000000000000000000000000000aa',
              difficulty: '0x100',
              nonce: '0x0000000000000007',
              mixHash: H('33'),
              timestamp: '0x10',
              uncles: [H('44')],
            }
          : null,
      ),
    ]);
    servers.push(s);
    const client = new EthNodeClient({ url: url(s) });
    expect(await client.getBlockByNumber(5)).toEqual({
      number: 5,
      hash: H('11'),
      parentHash: H('22'),
      miner: '0x00000000000000000000000000000000000000aa',
      difficulty: 256n,
      nonce: '0x0000000000000007',
      mixHash: H('33'),
      timestamp: 16,
      uncles: [H('44')],
    });
    expect(await client.getBlockByNumber(6)).toBeNull();
  });
});

describe('parseWork (eth_getWork answers and --miner.notify bodies)', () => {
  it.each([
    ['not an array', { headerHash: H('ab') }, /expected \[headerHash, seedHash, target, blockNumber\]/],
    ['three elements (a node without the block number)', [H('ab'), H('00'), H('01')], /expected \[headerHash/],
    ['a short header hash', [`0x${'ab'.repeat(31)}`, H('00'), H('01'), '0x1'], /bad header hash/],
    ['a seed hash without 0x', [H('ab'), '00'.repeat(32), H('01'), '0x1'], /bad seed hash/],
    ['a target that is not hex', [H('ab'), H('00'), `0x${'zz'.repeat(32)}`, '0x1'], /bad target/],
    ['a zero target', [H('ab'), H('00'), H('00'), '0x1'], /target is zero/],
    ['a decimal block number', [H('ab'), H('00'), H('01'), '12'], /not a hex quantity/],
    ['a number beyond 2^52', [H('ab'), H('00'), H('01'), '0x1fffffffffffffff'], /not a hex quantity/],
  ])('refuses %s with a DaemonError naming where it came from', (_what, work, message) => {
    expect(() => parseWork(work, 'eth_getWork on n')).toThrow(DaemonError);
    expect(() => parseWork(work, 'eth_getWork on n')).toThrow(message);
    expect(() => parseWork(work, 'eth_getWork on n')).toThrow(/^eth_getWork on n: /);
  });
});
