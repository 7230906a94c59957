import type { StratumJob } from '../../fargate/src/jobs/types.js';
import { mineShare } from './scrypt-miner.js';
import { TestStratumClient } from './stratum-client.js';

/**
 * A miner for end-to-end tests: subscribes, authorizes, and mines scrypt shares on the newest job with the test
 * miner (test/helpers/scrypt-miner.ts). Counts what the pool acknowledged.
 */
export class TestMiner {
  accepted = 0;
  rejected = 0;
  acceptedDifficulty = 0;
  private extranonce1 = '';
  private en2Size = 4;
  private counter = 0;
  private difficulty = 0;

  private constructor(
    readonly client: TestStratumClient,
    readonly username: string,
  ) {}

  static async connect(port: number, username: string): Promise<TestMiner> {
    const m = new TestMiner(await TestStratumClient.connect(port), username);
    const sub = await m.client.request(1, 'mining.subscribe', ['test-miner/1.0']);
    [, m.extranonce1, m.en2Size] = sub.result as [unknown, string, number];
    const auth = await m.client.request(2, 'mining.authorize', [username, 'x']);
    if (auth.result !== true) throw new Error(`authorize failed: ${JSON.stringify(auth.error)}`);
    m.difficulty = (await m.client.nextNotification('mining.set_difficulty', 0)).params[0] as number;
    await m.client.nextNotification('mining.notify', 0);
    return m;
  }

  /** Mines and submits one share on the newest job (cpuminer style: id 4 for every submit). */
  async submitOne(): Promise<boolean> {
    const diffs = this.client.notifications.filter((n) => n.method === 'mining.set_difficulty');
    this.difficulty = diffs.at(-1)!.params[0] as number;
    const n = this.client.notifications.filter((x) => x.method === 'mining.notify').at(-1)!;
    const [jobId, prevHash, coinb1, coinb2, merkleBranch, version, nbits, ntime] = n.params as [
      string,
      string,
      string,
      string,
      string[],
      string,
      string,
      string,
    ];
    const job = { jobId, prevHash, coinb1, coinb2, merkleBranch, version, nbits, ntime } as StratumJob;
    const extranonce2 = (this.counter++).toString(16).padStart(this.en2Size * 2, '0');
    const mined = mineShare({ job, extranonce1: this.extranonce1, extranonce2, difficulty: this.difficulty });
    const res = await this.client.request(4, 'mining.submit', [
      this.username,
      jobId,
      extranonce2,
      mined.ntime,
      mined.nonce,
    ]);
    if (res.result === true) {
      this.accepted++;
      this.acceptedDifficulty += this.difficulty;
      return true;
    }
    this.rejected++;
    return false;
  }

  close(): void {
    this.client.close();
  }
}
