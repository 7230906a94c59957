import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { payments } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { getCoin } from '../../core/coins/index.js';
import { parseConfig } from '../../core/config/load.js';
import { entryId, type LedgerEntry } from '../../core/ledger/ledger.js';
import type { PpsChain } from '../../core/ports/chain-reader.js';
import { PayoutNotSentError, type PayoutSender } from '../../core/ports/payout-sender.js';
import { bitcoinFamily } from '../../families/bitcoin/index.js';
import type { ChainFamily, JobSource } from '../../families/chain-family.js';
import { ChainFamilies } from '../../families/registry.js';
import { createLogger } from '../../local/logger.js';
import { type LocalPool, startLocalPool } from '../../local/pool.js';
import { FakeJobProvider, job } from '../fargate/stratum/fakes.js';
import { minerTotal } from '../helpers/dynamo.js';
import { TestStratumClient } from '../helpers/stratum-client.js';
import { TestMiner } from '../helpers/test-miner.js';

const address = (symbol: string, fill: number) =>
  payments.p2wpkh({ hash: Buffer.alloc(20, fill), network: getCoin(symbol).networks.regtest?.[0] }).address!;

/** A coin's job source whose node can be stopped: unhealthy, its share checks fail as a failing daemon's do. */
class StoppableSource extends FakeJobProvider implements JobSource {
  nodeUp = true;
  private hashes = 0;
  constructor(readonly symbol: string) {
    super(job(`${symbol}-1`));
    this.verdict = () => {
      if (!this.nodeUp) throw new Error(`${symbol} daemon: connection refused`);
      return {
        ok: true,
        hash: (++this.hashes).toString(16).padStart(64, '0'),
        actualDifficulty: 1,
        networkDifficulty: 1e6,
        height: 500,
      };
    };
  }
  async refresh(): Promise<void> {
    if (!this.nodeUp) throw new Error(`${this.symbol} daemon: connection refused`);
  }
  stop(): void {}
  upstreams() {
    return [{ daemon: `${this.symbol}-node`, healthy: this.nodeUp }];
  }
}

/** A payout sender per coin: it pays, or refuses before sending (the wallet is short), as the test says. */
function sender(refuse: () => boolean): PayoutSender & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    send: async (id) => {
      if (refuse()) throw new PayoutNotSentError('insufficient funds');
      sent.push(id);
      return `tx-${id}`;
    },
    findPayout: async () => [],
    confirmations: async () => 1,
    spendable: async () => 10n ** 12n,
  };
}

/** One family serving both coins in this test, each coin with its own job source and payout sender. */
function isolationFamily() {
  const sources = new Map<string, StoppableSource>();
  /** Coins whose nodes do not answer at start: their job source cannot get a first template. */
  const down = new Set<string>();
  const refusing = new Set<string>();
  const senders = new Map<string, ReturnType<typeof sender>>();
  const senderOf = (symbol: string) => {
    if (!senders.has(symbol))
      senders.set(
        symbol,
        sender(() => refusing.has(symbol)),
      );
    return senders.get(symbol)!;
  };
  const family: ChainFamily = {
    name: 'isolation-test',
    deployment: { daemonSecret: false, moneyInVpc: false, stratumDockerfile: 'fargate/Dockerfile' },
    work: bitcoinFamily.work,
    money: {
      confirmation: () => ({ chain: {} as PpsChain, maturity: 10 }),
      payoutSender: (coin) => senderOf(coin.symbol),
      depositWallet: (coin) => senderOf(coin.symbol),
    },
    stratum: async () => ({
      startJobs: async (ctx) => {
        if (down.has(ctx.coin.symbol)) throw new Error(`${ctx.coin.symbol} daemon: connection refused`);
        const source = new StoppableSource(ctx.coin.symbol);
        sources.set(ctx.coin.symbol, source);
        return source;
      },
    }),
  };
  return { family, sources, refusing, senderOf, down };
}

const coin = (symbol: string, fill: number) => ({
  symbol,
  family: 'isolation-test',
  network: 'regtest',
  poolAddress: address(symbol, fill),
  daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
  ports: [{ port: 0, host: '127.0.0.1', difficulty: { initial: 1, min: 1, max: 1 } }],
  rewards: { scheme: 'PPLNS', feeBasisPoints: 0, feeWallets: [{ address: address(symbol, fill) }] },
  payouts: { wallet: 'pool', minimum: '1000', maxRecipients: 10 },
});

/**
 * Two coins in one local pool (LTC and BTC): each has its own stratum port, job source, ban list, share queue,
 * tables and ledger, so a ban, a stopped daemon, a poisoned queue message or suspended payouts in one leaves the
 * other working.
 */
describe('two coins in one local pool', () => {
  const fake = isolationFamily();
  let dataDir: string;
  let pool: LocalPool;
  const miners: TestMiner[] = [];
  const ltcMiner = address('LTC', 21);
  const btcMiner = address('BTC', 22);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'edgepool-multicoin-'));
    const config = parseConfig({ http: { host: '127.0.0.1', port: 0 }, coins: [coin('LTC', 1), coin('BTC', 2)] });
    pool = await startLocalPool({
      config,
      dataDir,
      log: createLogger('multi-coin', 'silent'),
      moneyTimers: false,
      families: new ChainFamilies([fake.family]),
    });
  });

  afterAll(async () => {
    for (const m of miners) m.close();
    await pool?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const port = (symbol: string) => pool.coins.get(symbol)!.service.ports[0]!;
  const connect = async (symbol: string, miner: string) => {
    const m = await TestMiner.connect(port(symbol), `${miner}.rig`);
    miners.push(m);
    return m;
  };
  let submits = 0;
  /** A share the fake job source accepts (its verdict, not the PoW, decides). */
  const submit = async (m: TestMiner) => {
    const en2 = (++submits).toString(16).padStart(8, '0');
    return (
      await m.client.request(100 + submits, 'mining.submit', [m.username, m.job().jobId, en2, '6500000a', '00000000'])
    ).result;
  };
  /** One coin's acknowledged shares, ingested: its own queue drained, not the pool's. */
  const settled = async (symbol: string) => {
    const c = pool.coins.get(symbol)!;
    await c.queue.flush({ minuteSummary: true });
    await c.transport.idle();
  };
  const items = async (symbol: string, table: 'stats' | 'ledger', pk: string) => {
    const doc = createDocumentClient(pool.storage.client);
    const names = pool.storage.tables.get(symbol)!;
    const out = await doc.send(
      new QueryCommand({
        TableName: names[table],
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    );
    return out.Items ?? [];
  };

  it('gives each coin its own stratum port, tables and share queue', () => {
    expect(port('LTC')).not.toBe(port('BTC'));
    const [ltc, btc] = [pool.storage.tables.get('LTC')!, pool.storage.tables.get('BTC')!];
    for (const key of Object.keys(ltc) as (keyof typeof ltc)[]) expect(ltc[key]).not.toBe(btc[key]);
    expect(pool.coins.get('LTC')!.transport).not.toBe(pool.coins.get('BTC')!.transport);
  });

  it('a stopped daemon of one coin leaves the other’s jobs and shares flowing', async () => {
    const ltc = await connect('LTC', ltcMiner);
    const btc = await connect('BTC', btcMiner);
    expect(await submit(ltc)).toBe(true);
    await settled('BTC');
    const before = await minerTotal(pool.storage.shares.miners, 'BTC', btcMiner);
    fake.sources.get('LTC')!.nodeUp = false;
    expect(await submit(ltc)).not.toBe(true);
    expect(pool.coins.get('LTC')!.service.health().healthyDaemons).toBe(0);
    expect(pool.coins.get('BTC')!.service.health().healthyDaemons).toBe(1);
    // BTC gets a new block's job and its shares on it are accepted and recorded.
    const seen = btc.client.count('mining.notify');
    fake.sources.get('BTC')!.publish(job('BTC-2', true, 501));
    const notify = await btc.client.nextNotification('mining.notify', seen);
    expect(notify.params[0]).toBe('BTC-2');
    for (let i = 0; i < 3; i++) expect(await submit(btc)).toBe(true);
    await settled('BTC');
    const after = await minerTotal(pool.storage.shares.miners, 'BTC', btcMiner);
    expect(after.shares - before.shares).toBe(3);
    fake.sources.get('LTC')!.nodeUp = true;
  });

  it('a poisoned message in one coin’s share queue does not stall the other coin’s ingest', async () => {
    const ltc = pool.coins.get('LTC')!;
    const deadBefore = ltc.transport.deadLetters().length;
    // A batch ingest cannot read: retried, then dead-lettered, on LTC's queue alone.
    await ltc.transport.send([{ poisoned: true } as never]);
    const btc = await connect('BTC', btcMiner);
    await settled('BTC');
    const before = await minerTotal(pool.storage.shares.miners, 'BTC', btcMiner);
    for (let i = 0; i < 2; i++) expect(await submit(btc)).toBe(true);
    await settled('BTC');
    expect((await minerTotal(pool.storage.shares.miners, 'BTC', btcMiner)).shares - before.shares).toBe(2);
    // BTC's shares went in while LTC's queue still holds the poisoned message for another try (not dead-lettered
    // yet; LTC's own timers may have queued a batch beside it, e.g. the minute summary at a minute's end).
    expect(ltc.transport.depth()).toBeGreaterThanOrEqual(1);
    expect(ltc.transport.deadLetters()).toHaveLength(deadBefore);
    await ltc.transport.idle();
    expect(ltc.transport.depth()).toBe(0);
    expect(ltc.transport.deadLetters()).toHaveLength(deadBefore + 1);
  }, 30_000);

  it('payouts suspended for one coin go on for the other', async () => {
    const now = Date.now();
    const owe = async (symbol: string, account: string) => {
      const ref = `test-credit-${symbol}`;
      const entry: LedgerEntry = {
        id: entryId('convert-in', ref, 'miner', account),
        account,
        kind: 'convert-in',
        role: 'miner',
        amount: 50_000n,
        ref,
        time: now,
      };
      await pool.storage.money.putEntries(symbol, [entry]);
    };
    await owe('LTC', ltcMiner);
    await owe('BTC', btcMiner);
    fake.refusing.add('LTC');
    const ltc = pool.coins.get('LTC')!.money!;
    const btc = pool.coins.get('BTC')!.money!;
    expect(await ltc.payouts()).toMatchObject({ status: 'suspended' });
    expect(await btc.payouts()).toMatchObject({ status: 'progressed', payouts: [{ status: 'confirmed' }] });
    expect(fake.senderOf('BTC').sent).toHaveLength(1);
    expect(fake.senderOf('LTC').sent).toHaveLength(0);
    expect((await btc.balances()).get(btcMiner)).toMatchObject({ confirmed: 0n, paid: 50_000n });
    expect((await ltc.balances()).get(ltcMiner)).toMatchObject({ pending: 50_000n, paid: 0n });
    expect(await pool.storage.money.getSuspension('LTC')).toMatch(/refused before sending/);
    expect(await pool.storage.money.getSuspension('BTC')).toBeUndefined();
  });

  it('a ban on one coin’s port leaves the same IP mining the other coin', async () => {
    const bad = await TestStratumClient.connect(port('LTC'));
    for (let i = 0; i < 5; i++) (bad as unknown as { socket: { write(s: string): void } }).socket.write('{nope\n');
    await expect.poll(() => bad.closed, { timeout: 5_000 }).toBe(true);
    // Banned on LTC: a new connection from 127.0.0.1 is refused there…
    await expect(connect('LTC', ltcMiner)).rejects.toThrow();
    // …and the ban is written to LTC's stats table only, where BTC's tasks never read.
    await expect.poll(async () => (await items('LTC', 'stats', 'BAN')).length, { timeout: 5_000 }).toBe(1);
    expect((await items('LTC', 'stats', 'BAN'))[0]).toMatchObject({ ip: '127.0.0.1', reason: 'malformed' });
    expect(await items('BTC', 'stats', 'BAN')).toEqual([]);
    // The same IP mines BTC.
    const m = await connect('BTC', btcMiner);
    expect(await submit(m)).toBe(true);
  });
});

describe('a coin whose nodes do not answer at start', () => {
  it('leaves the other coin serving, and starts once its nodes answer', async () => {
    const fake = isolationFamily();
    fake.down.add('BTC');
    const dataDir = await mkdtemp(join(tmpdir(), 'edgepool-multicoin-'));
    const config = parseConfig({ http: { host: '127.0.0.1', port: 0 }, coins: [coin('LTC', 1), coin('BTC', 2)] });
    const pool = await startLocalPool({
      config,
      dataDir,
      log: createLogger('multi-coin', 'silent'),
      moneyTimers: false,
      families: new ChainFamilies([fake.family]),
      coinRetryMs: 200,
    });
    const miners: TestMiner[] = [];
    try {
      expect([...pool.coins.keys()]).toEqual(['LTC']);
      // /health says which coin is missing (degraded), not only what runs.
      const health = async () =>
        (await (await fetch(`http://127.0.0.1:${pool.httpPort}/health`)).json()) as {
          status: string;
          coins: unknown[];
        };
      expect((await health()).coins).toEqual([
        expect.objectContaining({ coin: 'LTC', healthyDaemons: 1 }),
        { coin: 'BTC', healthyDaemons: 0, connections: 0 },
      ]);
      miners.push(await TestMiner.connect(pool.coins.get('LTC')!.service.ports[0]!, `${address('LTC', 3)}.rig`));
      // Still down after a few retries: still not served, LTC unaffected.
      await new Promise((r) => setTimeout(r, 700));
      expect(pool.coins.has('BTC')).toBe(false);
      fake.down.delete('BTC');
      await expect.poll(() => pool.coins.has('BTC'), { timeout: 5_000 }).toBe(true);
      miners.push(await TestMiner.connect(pool.coins.get('BTC')!.service.ports[0]!, `${address('BTC', 4)}.rig`));
      expect(pool.coins.get('BTC')!.service.health().healthyDaemons).toBe(1);
      expect((await health()).status).toBe('ok');
    } finally {
      for (const m of miners) m.close();
      await pool.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('is an error when no coin can start', async () => {
    const fake = isolationFamily();
    fake.down.add('LTC');
    const dataDir = await mkdtemp(join(tmpdir(), 'edgepool-multicoin-'));
    const config = parseConfig({ http: { host: '127.0.0.1', port: 0 }, coins: [coin('LTC', 1)] });
    await expect(
      startLocalPool({
        config,
        dataDir,
        log: createLogger('multi-coin', 'silent'),
        families: new ChainFamilies([fake.family]),
      }),
    ).rejects.toThrow(/LTC daemon: connection refused/);
    await rm(dataDir, { recursive: true, force: true });
  });
});
