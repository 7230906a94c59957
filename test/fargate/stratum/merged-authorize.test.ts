import { duplexPair } from 'node:stream';
import { payments } from 'bitcoinjs-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { getCoin, validateAddress } from '../../../core/coins/index.js';
import type { AuxAddressClaim } from '../../../core/shares/share.js';
import type { AuxCoinAddresses } from '../../../fargate/src/stratum/context.js';
import { StratumServer } from '../../../fargate/src/stratum/server.js';
import { ADDRESS, FakeJobProvider, MemoryShareQueue, options, RecordingLogger, validate } from './fakes.js';
import { PairClient } from './pair-client.js';

/** Merged mining at the stratum edge: aux payout addresses in the password, and aux blocks on the queued share. */

const DOGE = getCoin('DOGE');
const dogeRegtest = (fill: number) =>
  payments.p2pkh({ hash: Buffer.alloc(20, fill), network: DOGE.networks.regtest![0] }).address!;
const DOGE_ADDRESS = dogeRegtest(7);

class ClaimingQueue extends MemoryShareQueue {
  readonly claims: AuxAddressClaim[] = [];
  auxAddress(claim: AuxAddressClaim): void {
    this.claims.push(claim);
  }
}

const aux = (symbol: string): [string, AuxCoinAddresses] => [
  symbol.toLowerCase(),
  { coin: symbol, validate: (a: string) => validateAddress(getCoin(symbol), 'regtest', a) },
];

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.reverse()) c();
  cleanup = [];
});

function setup(auxCoins = new Map([aux('DOGE')])) {
  const jobs = new FakeJobProvider();
  const queue = new ClaimingQueue();
  const server = new StratumServer({
    options: options(),
    jobs,
    dialects: jobs.dialects,
    shares: queue,
    validateAddress: validate,
    auxCoins,
    log: new RecordingLogger(),
  });
  cleanup.push(() => server.close());
  const [miner, pool] = duplexPair();
  const conn = server.handle(pool, { address: '198.51.100.7', port: 40001 })!;
  cleanup.push(() => miner.destroy());
  return { jobs, queue, session: conn.session, c: new PairClient(miner) };
}

describe('mining.authorize with aux payout addresses (doge=<address>)', () => {
  it('keeps a valid aux address on the worker and hands it to the share queue, with d= still read', async () => {
    const { c, queue, session } = setup();
    await c.request(1, 'mining.subscribe', []);
    const auth = await c.request(2, 'mining.authorize', [`${ADDRESS}.rig`, `d=0.5,doge=${DOGE_ADDRESS}`]);
    expect(auth.result).toBe(true);
    expect(queue.claims).toEqual([{ miner: ADDRESS, coin: 'DOGE', address: DOGE_ADDRESS }]);
    expect(session.workers.get(`${ADDRESS}.rig`)).toMatchObject({ auxAddresses: { DOGE: DOGE_ADDRESS } });
    expect(session.requestedDifficulty).toBe(0.5);
  });

  it('reads several aux coins, keys in any case, and ignores keys that are no aux coin', async () => {
    const { c, queue } = setup(new Map([aux('DOGE'), ['pep', { coin: 'PEP', validate: (a: string) => a }]]));
    await c.request(1, 'mining.subscribe', []);
    const auth = await c.request(2, 'mining.authorize', [ADDRESS, `x;DOGE=${DOGE_ADDRESS} pep=P123,nmc=whatever`]);
    expect(auth.result).toBe(true);
    expect(queue.claims.map((x) => [x.coin, x.address])).toEqual([
      ['DOGE', DOGE_ADDRESS],
      ['PEP', 'P123'],
    ]);
  });

  it('refuses an aux address of another network, naming the coin, and keeps nothing', async () => {
    const { c, queue } = setup();
    await c.request(1, 'mining.subscribe', []);
    // an LTC address is no DOGE address
    const auth = await c.request(2, 'mining.authorize', [ADDRESS, `doge=${ADDRESS}`]);
    expect(auth.result).toBe(false);
    expect(auth.error).toEqual([24, expect.stringMatching(/^DOGE payout address in the password \(doge=…\): /), null]);
    expect(queue.claims).toEqual([]);
  });

  it('ignores doge= on a coin that merges nothing', async () => {
    const { c, queue } = setup(new Map());
    await c.request(1, 'mining.subscribe', []);
    expect((await c.request(2, 'mining.authorize', [ADDRESS, 'doge=nonsense'])).result).toBe(true);
    expect(queue.claims).toEqual([]);
  });
});

describe('mining.submit with aux blocks', () => {
  it('queues the share with the aux blocks its check found', async () => {
    const { c, queue, jobs } = setup();
    const auxBlocks = [
      {
        coin: 'DOGE',
        height: 7,
        hash: 'cd'.repeat(32),
        reward: '1000',
        networkDifficulty: 1,
        submitResult: 'accepted',
      },
    ];
    jobs.verdict = { ok: true, hash: 'ab', actualDifficulty: 1, networkDifficulty: 4096, height: 500, auxBlocks };
    await c.request(1, 'mining.subscribe', []);
    await c.request(2, 'mining.authorize', [`${ADDRESS}.rig`, 'x']);
    await c.notification('mining.notify');
    const answer = await c.request(3, 'mining.submit', [`${ADDRESS}.rig`, '1', '00000001', '6500000a', '0000abcd']);
    expect(answer.result).toBe(true);
    expect(queue.shares[0]!.auxBlocks).toEqual(auxBlocks);
    expect(queue.shares[0]!.block).toBeUndefined();
  });
});
