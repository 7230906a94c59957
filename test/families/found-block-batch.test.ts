import { afterEach, describe, expect, it } from 'vitest';
import { validateAddress } from '../../core/coins/index.js';
import { parseShareBatch } from '../../core/shares/batch-schema.js';
import { decodeMessage, encodeMessages } from '../../core/shares/queue-message.js';
import type { Share } from '../../core/shares/share.js';
import { CHAIN_FAMILIES } from '../../families/registry.js';
import { ltc } from '../fargate/jobs/fakes.js';
import { fixtureJobManager } from '../fargate/jobs/fixture-manager.js';
import { ETC_ADDRESS, ethRequest, startEtcPort } from '../fargate/stratum/ethereum/harness.js';
import { ADDRESS } from '../fargate/stratum/fakes.js';
import type { PairClient } from '../fargate/stratum/pair-client.js';
import { startTcp } from '../fargate/stratum/tcp-harness.js';
import { mineEtchash } from '../helpers/eth-miner.js';
import { jobFromNotify, mineShare } from '../helpers/scrypt-miner.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});
const onCleanup = (fn: () => Promise<void> | void) => cleanup.push(fn);

async function ask(c: PairClient, id: number, method: string, params: unknown[]) {
  c.send(id, method, params);
  await c.waitFor(() => c.responses.some((r) => r.id === id), `the answer to ${method}`);
  return c.responses.find((r) => r.id === id)!;
}

/**
 * For each chain family, a share that finds a block, as the family's job source and the stratum server record it
 * (the share the server hands the queue, its FoundBlock from the family's own code): a Bitcoin-family block through
 * Stratum V1 and the JobManager on an LTC regtest template; an Ethereum-family block through EthProxy and the job
 * book on an in-memory node with the real (tiny-epoch) etchash.
 */
const BLOCK_FINDERS: Record<string, () => Promise<Share>> = {
  bitcoin: async () => {
    const { manager: jobs, daemons } = fixtureJobManager();
    await jobs.refresh();
    onCleanup(() => jobs.stop());
    const difficulty = { initial: 0.001, min: 0.001, max: 1, targetShareSeconds: 10, retargetSeconds: 60 };
    const port = await startTcp(onCleanup, {
      over: { difficulty: { ...difficulty, variancePercent: 30 } },
      deps: { jobs, validateAddress: (a) => validateAddress(ltc, 'regtest', a) },
    });
    const c = await port.client();
    const [, extranonce1] = (await ask(c, 1, 'mining.subscribe', ['test/1'])).result as [unknown, string];
    await ask(c, 2, 'mining.authorize', [`${ADDRESS}.rig1`, 'x']);
    const job = jobFromNotify((await c.notification('mining.notify')).params!);
    // The regtest template's network target is far above the share's: the share is a block.
    const s = mineShare({ job, extranonce1, extranonce2: '00000001', difficulty: difficulty.initial });
    expect(
      await ask(c, 3, 'mining.submit', [`${ADDRESS}.rig1`, job.jobId, s.extranonce2, s.ntime, s.nonce]),
    ).toMatchObject({ result: true });
    expect(daemons.submitted).toHaveLength(1);
    return port.queue.shares[0]!;
  },
  ethereum: async () => {
    const port = await startEtcPort(onCleanup);
    const work = port.node.publish(3, 120, 8n); // network difficulty 8 hashes: a block within a few tries
    const c = await port.client();
    await ethRequest(c, 1, 'eth_submitLogin', [`${ETC_ADDRESS}.rig1`, 'x']);
    const [header] = (await ethRequest(c, 2, 'eth_getWork', [])).result as string[];
    const s = mineEtchash(header!, BigInt(work.target));
    expect(await ethRequest(c, 3, 'eth_submitWork', [`0x${s.nonce}`, header, `0x${s.mix}`])).toMatchObject({
      result: true,
    });
    expect(port.node.submitted).toHaveLength(1);
    return port.queue.shares[0]!;
  },
};

describe('a found block crosses the share queue in every chain family', () => {
  it('has a block-finding path here for every registered family', () => {
    expect(Object.keys(BLOCK_FINDERS).sort()).toEqual(CHAIN_FAMILIES.names().sort());
  });

  it.each(CHAIN_FAMILIES.names())(
    '%s: the share that found a block, with its FoundBlock, is a batch ingest accepts, plain and compressed',
    async (family) => {
      const share = await BLOCK_FINDERS[family]!();
      expect(share.block).toMatchObject({ submitResult: 'accepted' });
      const batch = { v: 1 as const, batchId: `found-${family}`, coin: share.coin, shares: [share] };
      // What ingest reads back: the same share, the block's hash and reward as recorded (a refused batch would be
      // dead-lettered with every share in it).
      expect(parseShareBatch(JSON.stringify(batch)).shares).toEqual([share]);
      const [body] = encodeMessages([batch], 256 * 1024);
      expect(decodeMessage(body!)).toEqual([batch]);
    },
  );
});
