import type { Socket } from 'node:net';
import type { StratumJob } from '../../fargate/src/jobs/types.js';
import {
  ALGORITHMS,
  jobFromNotify,
  type MinedShare,
  type MinerAlgorithm,
  mineShare,
  shareTarget,
} from './scrypt-miner.js';
import { TestStratumClient } from './stratum-client.js';

/**
 * What a submitted share should be. On regtest the network target is about 2^255, so at a share difficulty below
 * about 3e-5 every hash is a share and about half of them are also blocks: a load test submits plain shares only
 * (no new block and no new job per share), a failover test submits a block on purpose. 'any': whatever comes first.
 */
export type ShareKind = 'share' | 'block' | 'any';

/** The target a compact `nbits` (8 hex chars, as in mining.notify) stands for. */
export function compactTarget(nbits: string): bigint {
  const n = Number.parseInt(nbits, 16);
  const exponent = n >>> 24;
  const mantissa = BigInt(n & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/**
 * A miner for end-to-end and fault tests: subscribes, authorizes, and mines scrypt (or sha256d) shares on the newest job with the
 * independent test miner (test/helpers/scrypt-miner.ts). Counts what it sent, what the pool acknowledged (and their
 * difficulty), what it refused and what got no answer.
 */
export class TestMiner {
  sent = 0;
  accepted = 0;
  rejected = 0;
  /** Submits whose answer never came (the connection died first). */
  unanswered = 0;
  acceptedDifficulty = 0;
  /** What mining.subscribe gave this connection. */
  extranonce1 = '';
  private en2Size = 4;
  private counter = 0;

  private constructor(
    readonly client: TestStratumClient,
    readonly username: string,
    readonly algorithm: MinerAlgorithm,
  ) {}

  /**
   * `algorithm`: what the port mines (cpuminer's `-a`): scrypt (LTC, the default) or sha256d (BTC). `password`: what
   * mining.authorize sends (`d=<difficulty>` asks for a start difficulty).
   */
  static async connect(
    port: number,
    username: string,
    algorithm: MinerAlgorithm = 'scrypt',
    password = 'x',
  ): Promise<TestMiner> {
    const m = new TestMiner(await TestStratumClient.connect(port), username, algorithm);
    // A pool killed mid-load resets the connection: without a listener that error would crash the test process.
    // (TestStratumClient sees the 'close' that follows and fails the waiting request.)
    (m.client as unknown as { socket: Socket }).socket.on('error', () => {});
    const sub = await m.client.request(1, 'mining.subscribe', ['test-miner/1.0']);
    [, m.extranonce1, m.en2Size] = sub.result as [unknown, string, number];
    const auth = await m.client.request(2, 'mining.authorize', [username, password]);
    if (auth.result !== true) throw new Error(`authorize failed: ${JSON.stringify(auth.error)}`);
    await m.client.nextNotification('mining.set_difficulty', 0);
    await m.client.nextNotification('mining.notify', 0);
    return m;
  }

  /** The newest job, as mining.notify sent it. */
  job(): StratumJob & { clean: boolean } {
    const n = this.client.notifications.filter((x) => x.method === 'mining.notify').at(-1)!;
    return jobFromNotify(n.params);
  }

  /** The newest share difficulty the pool set. */
  difficulty(): number {
    return this.client.notifications.filter((n) => n.method === 'mining.set_difficulty').at(-1)!.params[0] as number;
  }

  /** Mines a share of the wanted kind on the newest job. */
  mine(kind: ShareKind = 'any'): MinedShare {
    const job = this.job();
    const difficulty = this.difficulty();
    const block = compactTarget(job.nbits);
    const algo = ALGORITHMS[this.algorithm];
    if (kind === 'share' && shareTarget(difficulty, algo.multiplier) <= block) {
      throw new Error(`at difficulty ${difficulty} every share is a block: use a lower share difficulty`);
    }
    const extranonce2 = (this.counter++).toString(16).padStart(this.en2Size * 2, '0');
    let startNonce = 0;
    for (;;) {
      const mined = mineShare({ job, extranonce1: this.extranonce1, extranonce2, difficulty, startNonce, ...algo });
      if (kind === 'any' || mined.hashValue <= block === (kind === 'block')) return mined;
      startNonce = Number.parseInt(mined.nonce, 16) + 1;
    }
  }

  /**
   * Mines and submits one share on the newest job (cpuminer style: id 4 for every submit); true when the pool
   * acknowledged it. Throws when the connection is gone.
   */
  async submitOne(kind: ShareKind = 'any'): Promise<boolean> {
    const difficulty = this.difficulty();
    const mined = this.mine(kind);
    this.sent++;
    let result: unknown;
    try {
      this.client.send(4, 'mining.submit', [this.username, mined.jobId, mined.extranonce2, mined.ntime, mined.nonce]);
      result = (await this.client.response()).result;
    } catch (err) {
      this.unanswered++;
      throw err;
    }
    if (result !== true) {
      this.rejected++;
      return false;
    }
    this.accepted++;
    this.acceptedDifficulty += difficulty;
    return true;
  }

  close(): void {
    this.client.close();
  }
}
