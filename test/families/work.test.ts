import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config/load.js';
import { ConfigError } from '../../core/errors.js';
import { bitcoinFamily } from '../../families/bitcoin/index.js';
import { ethereumFamily } from '../../families/ethereum/index.js';
import { startCoinService } from '../../fargate/src/coin-service.js';
import { EthJobBook } from '../../fargate/src/jobs/ethereum/job-book.js';
import { EXTRANONCE1_SIZE } from '../../fargate/src/stratum/extranonce.js';
import { createMemoryMetrics } from '../../fargate/src/stratum/metrics.js';
import { MemoryShareQueue, silentLog } from '../fargate/stratum/fakes.js';
import { FakeEthNode } from '../helpers/eth-miner.js';

const ETC_COIN = {
  symbol: 'ETC',
  network: 'devnet',
  poolAddress: '0x52908400098527886E0F7030069857D2E4169EE7',
  daemons: [{ url: 'http://127.0.0.1:1', user: 'u', password: 'p' }],
  ports: [{ port: 0, difficulty: { initial: 16, min: 16, max: 1e9 } }],
};

describe('how each family keeps miners’ work apart', () => {
  it('Bitcoin: shares bound to their connection, a 2-byte task prefix before a 4-byte counter', () => {
    expect(bitcoinFamily.work).toEqual({ taskPrefixBytes: 2, boundToConnection: true });
    expect(EXTRANONCE1_SIZE - bitcoinFamily.work.taskPrefixBytes).toBe(4);
  });

  it('Ethereum: shares not bound (ingest claims them), a 1-byte task prefix + 2-byte counter in the 3-byte ES/1 extranonce', () => {
    expect(ethereumFamily.work).toEqual({ taskPrefixBytes: 1, boundToConnection: false });
    const node = new FakeEthNode();
    const book = new EthJobBook({
      source: node,
      verify: () => {
        throw new Error('no share is checked here');
      },
      log: silentLog,
    });
    expect(book.extranonce1Size - ethereumFamily.work.taskPrefixBytes).toBe(2);
    book.stop();
  });

  it('startCoinService refuses a task prefix of another length than the family’s, before it asks any node', async () => {
    const config = parseConfig({ coins: [ETC_COIN] });
    const err = await startCoinService({
      config,
      coin: config.coins[0]!,
      shares: new MemoryShareQueue(),
      log: silentLog,
      metrics: createMemoryMetrics(),
      instancePrefix: 'beef', // a Bitcoin-family (2-byte) prefix: it would leave ES/1 one byte of counter
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/ETC: the task prefix must be 1 byte/);
  });
});
