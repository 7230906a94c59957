import { afterEach, describe, expect, it } from 'vitest';
import { boundaryOf } from '../../../../fargate/src/jobs/ethereum/job-book.js';
import { mineEtchash } from '../../../helpers/eth-miner.js';
import { ETC_ADDRESS, ethRequest, startEtcPort } from './harness.js';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});
const onCleanup = (fn: () => Promise<void> | void) => cleanup.push(fn);

/** Logs in as `login` and takes the first work: [header, seed, boundary, height]. */
async function loggedIn(port: Awaited<ReturnType<typeof startEtcPort>>, login = `${ETC_ADDRESS}.rig1`) {
  const c = await port.client();
  const auth = await ethRequest(c, 1, 'eth_submitLogin', [login, 'x']);
  const work = await ethRequest(c, 2, 'eth_getWork', []);
  return { c, auth, work: work.result as string[] };
}

describe('EthProxy on the ETC port', () => {
  it('logs in, hands out [seal hash, seed, boundary of the share difficulty, height] and accepts a mined share', async () => {
    const port = await startEtcPort(onCleanup);
    const { c, auth, work } = await loggedIn(port);
    expect(auth).toEqual({ id: 1, jsonrpc: '2.0', result: true });
    const [header, seed, boundary, height] = work;
    expect(header).toBe(port.node.current()!.headerHash);
    expect(seed).toBe(port.node.current()!.seedHash);
    expect(BigInt(boundary!)).toBe(boundaryOf(2)); // 2^255: the port's initial difficulty of 2 hashes
    expect(boundary).toMatch(/^0x[0-9a-f]{64}$/);
    expect(height).toBe('0x64');

    const s = mineEtchash(header!, BigInt(boundary!));
    const answer = await ethRequest(c, 3, 'eth_submitWork', [`0x${s.nonce}`, header, `0x${s.mix}`]);
    expect(answer).toEqual({ id: 3, jsonrpc: '2.0', result: true });
    expect(port.queue.shares).toHaveLength(1);
    expect(port.queue.shares[0]).toMatchObject({
      coin: 'ETC',
      miner: ETC_ADDRESS,
      worker: 'rig1',
      height: 100,
      difficulty: 2,
      hash: s.result.toString(16).padStart(64, '0'),
    });
    expect(port.queue.shares[0]!.block).toBeUndefined();
  });

  it('takes the worker from the top-level "worker" field when the login has none (ethminer)', async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    await ethRequest(c, 1, 'eth_submitLogin', [ETC_ADDRESS.toLowerCase()], { worker: 'farm-7' });
    const work = (await ethRequest(c, 2, 'eth_getWork', [])).result as string[];
    const s = mineEtchash(work[0]!, BigInt(work[2]!));
    await ethRequest(c, 3, 'eth_submitWork', [`0x${s.nonce}`, work[0], `0x${s.mix}`], { worker: 'farm-7' });
    // One address, one account: the lower-case login is credited to the checksummed spelling.
    expect(port.queue.shares[0]).toMatchObject({ miner: ETC_ADDRESS, worker: 'farm-7' });
  });

  it('refuses a login that is not an ETC address, answering false with the reason', async () => {
    const port = await startEtcPort(onCleanup);
    const c = await port.client();
    const answer = await ethRequest(c, 1, 'eth_submitLogin', ['ltc1qnotanaddress.rig']);
    expect(answer).toMatchObject({ id: 1, jsonrpc: '2.0', result: false, error: { code: 24 } });
    const work = await ethRequest(c, 2, 'eth_getWork', []);
    expect(work).toMatchObject({ result: false, error: { code: 24, message: expect.stringContaining('logged in') } });
  });

  it('refuses malformed hex, wrong-length nonce or mix, a mix that does not match, a duplicate and a stale header, each with false and its reason', async () => {
    const port = await startEtcPort(onCleanup);
    const { c, work } = await loggedIn(port);
    const [header, , boundary] = work;
    const s = mineEtchash(header!, BigInt(boundary!));
    const submit = (id: number, params: unknown[]) => ethRequest(c, id, 'eth_submitWork', params);
    const refusals = [
      [await submit(10, [`0x${s.nonce.slice(1)}`, header, `0x${s.mix}`]), 20, 'nonce'],
      [await submit(11, [`0x${s.nonce.slice(0, 14)}zz`, header, `0x${s.mix}`]), 20, 'nonce'],
      [await submit(12, [`0x${s.nonce}`, header, `0x${s.mix.slice(2)}`]), 20, 'mix digest'],
      [await submit(13, [`0x${s.nonce}`, `${header}00`, `0x${s.mix}`]), 20, 'header hash'],
      [await submit(14, [`0x${s.nonce}`, header, `0x${'00'.repeat(32)}`]), 20, 'mix digest does not match'],
      [await submit(15, [`0x${s.nonce}`, `0x${'11'.repeat(32)}`, `0x${s.mix}`]), 21, 'stale'],
    ] as const;
    for (const [answer, code, words] of refusals) {
      expect(answer).toMatchObject({ jsonrpc: '2.0', result: false, error: { code } });
      expect((answer.error as unknown as { message: string }).message).toContain(words);
    }
    expect(await submit(16, [`0x${s.nonce}`, header, `0x${s.mix}`])).toMatchObject({ result: true });
    // The same share again, and in upper case (one share however it is spelled).
    expect(await submit(17, [`0x${s.nonce}`, header, `0x${s.mix}`])).toMatchObject({
      result: false,
      error: { code: 22 },
    });
    const upper = await submit(18, [
      `0x${s.nonce.toUpperCase()}`,
      header!.toUpperCase().replace('0X', '0x'),
      `0x${s.mix}`,
    ]);
    expect(upper).toMatchObject({ result: false, error: { code: 22 } });
    // The next block: the old seal hash is a stale job.
    port.node.publish(2, 101);
    const stale = mineEtchash(header!, BigInt(boundary!), { start: BigInt(`0x${s.nonce}`) + 1n });
    expect(await submit(19, [`0x${stale.nonce}`, header, `0x${stale.mix}`])).toMatchObject({ error: { code: 21 } });
    expect(port.queue.shares).toHaveLength(1);
    // Every refusal is counted as a share result (what the ban policy and stratum_shares_total see).
    const counted = (result: string) => port.metrics.counts.get(`shares:ETC:${result}`) ?? 0;
    expect(counted('malformed')).toBe(4);
    expect(counted('invalid')).toBe(1);
    expect(counted('stale')).toBe(2);
    expect(counted('duplicate')).toBe(2);
    // And each against the logged-in worker, for its stale and invalid counts (malformed input is invalid).
    const kinds = port.queue.refusals.map(([coin, miner, , kind]) => `${coin} ${miner} ${kind}`);
    expect(kinds.sort()).toEqual(
      [...Array(2).fill('duplicate'), ...Array(5).fill('invalid'), ...Array(2).fill('stale')].map(
        (k) => `ETC ${ETC_ADDRESS} ${k}`,
      ),
    );
  });

  it('refuses a share under the share difficulty the job was sent at', async () => {
    const port = await startEtcPort(onCleanup);
    const { c, work } = await loggedIn(port);
    const [header, , boundary] = work;
    // A result between the boundary and 2^256: a valid hash, too weak a share.
    const weak = mineEtchash(header!, (1n << 256n) - 1n, { above: BigInt(boundary!) });
    const answer = await ethRequest(c, 3, 'eth_submitWork', [`0x${weak.nonce}`, header, `0x${weak.mix}`]);
    expect(answer).toMatchObject({ result: false, error: { code: 23 } });
  });

  it('submits a block to the node at once with the recomputed mix and queues the share with it', async () => {
    const port = await startEtcPort(onCleanup);
    // Network difficulty 8 hashes: a block within a few tries of the miner.
    const work0 = port.node.publish(3, 120, 8n);
    const { c, work } = await loggedIn(port);
    expect(work[0]).toBe(work0.headerHash);
    const s = mineEtchash(work[0]!, BigInt(work0.target));
    const answer = await ethRequest(c, 3, 'eth_submitWork', [`0x${s.nonce}`, work[0], `0x${s.mix}`]);
    expect(answer).toMatchObject({ result: true });
    expect(port.node.submitted).toEqual([
      { nonce: `0x${s.nonce}`, headerHash: work0.headerHash, mixDigest: `0x${s.mix}` },
    ]);
    expect(port.queue.shares[0]!.block).toMatchObject({
      height: 120,
      hash: work0.headerHash.slice(2), // as share batches carry hashes: 64 hex digits, no 0x
      submitResult: 'accepted',
      reward: '5000000000000000000',
      networkDifficulty: 8,
    });
  });

  it('pushes new work to logged-in miners as an eth_getWork result with id 0', async () => {
    const port = await startEtcPort(onCleanup);
    const { c } = await loggedIn(port);
    const next = port.node.publish(4, 101);
    await c.waitFor(() => c.messages.some((m) => m.id === 0), 'the pushed work');
    const push = c.messages.find((m) => m.id === 0)!;
    expect(push).toEqual({
      id: 0,
      jsonrpc: '2.0',
      result: [next.headerHash, next.seedHash, `0x${boundaryOf(2).toString(16).padStart(64, '0')}`, '0x65'],
    });
  });
});
