import { describe, expect, it } from 'vitest';
import {
  buildEtchashCache,
  buildEtchashCacheSync,
  type EtchashCache,
  type EtchashEpoch,
  EtchashInputError,
  verifyEtchash,
} from '../../../fargate/src/hashing/etchash.js';
import { EtchashCaches } from '../../../fargate/src/hashing/etchash-caches.js';

/** 100-block epochs with core-geth's test-mode sizes, each with its own seed: builds take microseconds. */
function tinyEpoch(blockNumber: number): EtchashEpoch {
  const epoch = Math.floor(blockNumber / 100);
  return { epoch, seedEpoch: epoch, firstBlock: epoch * 100, length: 100, cacheBytes: 1024, datasetBytes: 32 * 1024 };
}

const share = {
  headerHash: Buffer.alloc(32, 7),
  nonce: 42n,
  shareTarget: 1n << 256n,
  networkTarget: 1n,
};

/** A build function that records what it was asked for and finishes when told. */
function controlledBuilds() {
  const pending: Array<{ epoch: EtchashEpoch; finish: () => void; fail: (error: Error) => void }> = [];
  const build = (epoch: EtchashEpoch): Promise<EtchashCache> =>
    new Promise((resolve, reject) => {
      pending.push({ epoch, finish: () => resolve(buildEtchashCacheSync(epoch)), fail: reject });
    });
  return { pending, build };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('EtchashCaches', () => {
  it('answers "not ready" at once for an epoch whose cache is not built, then checks shares once it is', async () => {
    const caches = new EtchashCaches({ ecip1099Block: 0, epochOf: tinyEpoch });
    caches.advance(250);
    expect(caches.verify({ ...share, blockNumber: 250 })).toMatchObject({
      ok: false,
      block: false,
      reason: 'cache-not-ready',
      epoch: { epoch: 2 },
    });
    const cache = await caches.whenReady(250);
    const verdict = caches.verify({ ...share, blockNumber: 250 });
    expect(verdict).toEqual(verifyEtchash(cache, share));
    expect(verdict).toMatchObject({ ok: true, block: false });
  });

  it('builds the current epoch first, then the next, one at a time', async () => {
    const { pending, build } = controlledBuilds();
    const caches = new EtchashCaches({ ecip1099Block: 0, epochOf: tinyEpoch, build });
    caches.advance(250);
    expect(pending.map((job) => job.epoch.epoch)).toEqual([2]);
    pending[0]?.finish();
    await settle();
    expect(pending.map((job) => job.epoch.epoch)).toEqual([2, 3]);
    pending[1]?.finish();
    await settle();
    expect(caches.heldEpochs().map((epoch) => epoch.epoch)).toEqual([2, 3]);
    expect(caches.cacheFor(399)?.epoch.epoch).toBe(3);
  });

  it('keeps at most the previous, current and next caches as the chain advances, and never builds the previous', async () => {
    const { pending, build } = controlledBuilds();
    const caches = new EtchashCaches({ ecip1099Block: 0, epochOf: tinyEpoch, build });
    // Finishes every build asked for, including those the finished ones start; returns their epochs.
    const finishAll = async (): Promise<number[]> => {
      const asked: number[] = [];
      for (let i = 0; i < 5; i++) {
        for (const job of pending.splice(0)) {
          asked.push(job.epoch.epoch);
          job.finish();
        }
        await settle();
      }
      return asked;
    };
    caches.advance(250);
    await finishAll();
    caches.advance(310); // epoch 3: 2 becomes previous, 4 is built
    await finishAll();
    expect(
      caches
        .heldEpochs()
        .map((epoch) => epoch.epoch)
        .sort(),
    ).toEqual([2, 3, 4]);
    caches.advance(420); // epoch 4: 2 goes
    await finishAll();
    expect(
      caches
        .heldEpochs()
        .map((epoch) => epoch.epoch)
        .sort(),
    ).toEqual([3, 4, 5]);
    caches.advance(5000); // a jump: nothing held is wanted, 49 is not built as the previous
    const asked = await finishAll();
    expect(asked).toEqual([50, 51]);
    expect(
      caches
        .heldEpochs()
        .map((epoch) => epoch.epoch)
        .sort(),
    ).toEqual([50, 51]);
  });

  it('never builds a cache because a share names another epoch', async () => {
    const { pending, build } = controlledBuilds();
    const caches = new EtchashCaches({ ecip1099Block: 0, epochOf: tinyEpoch, build });
    caches.advance(0);
    expect(caches.verify({ ...share, blockNumber: 1_000_000 })).toMatchObject({ reason: 'cache-not-ready' });
    expect(pending.map((job) => job.epoch.epoch)).toEqual([0]);
  });

  it('drops a cache that finishes building after the chain moved past its epoch', async () => {
    const { pending, build } = controlledBuilds();
    const caches = new EtchashCaches({ ecip1099Block: 0, epochOf: tinyEpoch, build });
    caches.advance(0);
    caches.advance(1000); // epoch 10 while 0 is still building
    pending[0]?.finish();
    await settle();
    expect(caches.heldEpochs()).toEqual([]);
    expect(pending.map((job) => job.epoch.epoch)).toEqual([0, 10]);
  });

  it('builds only the epoch of the head when that is the last supported one', async () => {
    const { pending, build } = controlledBuilds();
    const lastEpoch = 5;
    const epochOf = (blockNumber: number) => {
      if (blockNumber >= (lastEpoch + 1) * 100) throw new EtchashInputError(`block ${blockNumber} is beyond`);
      return tinyEpoch(blockNumber);
    };
    const caches = new EtchashCaches({ ecip1099Block: 0, epochOf, build });
    caches.advance(550);
    pending[0]?.finish();
    await settle();
    expect(pending.map((job) => job.epoch.epoch)).toEqual([5]);
    expect(caches.heldEpochs().map((epoch) => epoch.epoch)).toEqual([5]);
  });

  it('reports a failed build and tries again at the next advance', async () => {
    const { pending, build } = controlledBuilds();
    const failures: number[] = [];
    const caches = new EtchashCaches({
      ecip1099Block: 0,
      epochOf: tinyEpoch,
      build,
      onBuildError: (_error, epoch) => failures.push(epoch.epoch),
    });
    caches.advance(0);
    pending[0]?.fail(new Error('out of memory'));
    await settle();
    expect(failures).toEqual([0]);
    expect(caches.cacheFor(0)).toBeUndefined();
    caches.advance(1);
    expect(pending.map((job) => job.epoch.epoch)).toEqual([0, 0]);
  });

  it('keeps the event loop turning while a real epoch-0 cache builds', async () => {
    const caches = new EtchashCaches({ ecip1099Block: 0, build: buildEtchashCache });
    caches.advance(0);
    let turns = 0;
    let ready = false;
    const ticking = (async () => {
      while (!ready) {
        turns++;
        await settle();
      }
    })();
    const cache = await caches.whenReady(0);
    ready = true;
    await ticking;
    expect(cache.epoch.cacheBytes).toBe(16_776_896);
    // A build on the event loop would allow no turn at all before it finished; this one takes ~0.4 s of C.
    expect(turns).toBeGreaterThan(20);
  });
});
