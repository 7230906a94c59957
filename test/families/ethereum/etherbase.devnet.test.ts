import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/config/load.js';
import { ConfigError } from '../../../core/errors.js';
import { checkEtherbase } from '../../../families/ethereum/etherbase.js';
import { ethereumFamily } from '../../../families/ethereum/index.js';
import { etcDevnetCoin } from '../../../local/run.js';
import { RecordingLogger } from '../../fargate/stratum/fakes.js';
import { withEtcDevnet } from '../../helpers/etc-devnet.js';

/** A JSON-RPC node that knows no eth_coinbase (as a node or proxy without the method answers). */
async function nodeWithoutCoinbase(): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          error: { code: -32601, message: 'the method eth_coinbase does not exist' },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** A JSON-RPC node whose eth_coinbase is `address`, answered after `delayMs`. */
async function nodeMiningTo(address: string, delayMs: number): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume().on('end', () => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: address }));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

describe('checkEtherbase with several nodes mining elsewhere', () => {
  it('names the first node of the configuration, whichever answers first', async () => {
    const slow = await nodeMiningTo(Wallet.createRandom().address.toLowerCase(), 150);
    const fast = await nodeMiningTo(Wallet.createRandom().address.toLowerCase(), 0);
    try {
      const url = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      const daemons = [slow, fast].map((s) => ({ url: url(s), user: 'u', password: 'p' }));
      const err = await checkEtherbase(
        { symbol: 'ETC', poolAddress: Wallet.createRandom().address, daemons },
        new RecordingLogger(),
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(`node ${url(slow)} mines to`);
    } finally {
      slow.close();
      fast.close();
    }
  });
});

/** Before the ETC port opens, every node that answers must mine to poolAddress (its --miner.etherbase). */
describe('the ETC nodes’ etherbase', () => {
  const net = withEtcDevnet();
  let noCoinbase: Server;
  beforeAll(async () => {
    noCoinbase = await nodeWithoutCoinbase();
  });
  afterAll(() => noCoinbase?.close());

  const coin = (poolAddress: string, extra: { url: string; user: string; password: string }[] = []) => {
    const c = etcDevnetCoin(net.get(), 0);
    return parseConfig({ coins: [{ ...c, poolAddress, daemons: [...c.daemons, ...extra] }] }).coins[0]!;
  };

  it('accepts nodes that mine to the pool address (any case), skipping a node that is down', async () => {
    const down = { url: 'http://127.0.0.1:9', user: 'devnet', password: 'devnet' };
    const log = new RecordingLogger();
    await checkEtherbase(coin(net.get().poolAddress, [down]), log);
    expect(log.entries).toEqual([]);
  });

  it('refuses to open the port when a node mines to another address, naming the node and both addresses', async () => {
    const other = Wallet.createRandom().address;
    const config = coin(other);
    const err = await checkEtherbase(config, new RecordingLogger()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(`node ${new URL(net.get().rpc[0]!.url).origin} mines to`);
    expect((err as Error).message).toContain(net.get().poolAddress.toLowerCase());
    expect((err as Error).message).toContain(`not poolAddress ${other}`);
    // the family's job source does not start on such nodes
    const stratum = await ethereumFamily.stratum();
    await expect(
      stratum.startJobs({
        config: parseConfig({ coins: [config] }),
        coin: config,
        network: 'devnet',
        extranonce1Size: 3,
        log: new RecordingLogger(),
        now: Date.now,
      }),
    ).rejects.toThrow(ConfigError);
  });

  it('trusts a node without eth_coinbase, with a warning', async () => {
    const url = `http://127.0.0.1:${(noCoinbase.address() as AddressInfo).port}`;
    const log = new RecordingLogger();
    await checkEtherbase(coin(net.get().poolAddress, [{ url, user: 'devnet', password: 'devnet' }]), log);
    expect(log.entries).toMatchObject([
      { level: 'warn', msg: 'cannot read the node etherbase; trusting it is poolAddress' },
    ]);
  });
});
