import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalStorage } from '../../local/storage.js';
import { withDevnet } from '../helpers/devnet.js';
import { minerTotal, roundTotals } from '../helpers/dynamo.js';
import { testPoolConfig } from '../helpers/pool-config.js';
import { type PoolProcess, startPoolProcess } from '../helpers/pool-process.js';
import { TestMiner } from '../helpers/test-miner.js';

/** Below ~3e-5 every hash is a share on regtest, and the miners pick those that are not blocks. */
const DIFFICULTY = 1e-5;
const MINERS = 6;
const LOAD_MS = 3_000;
const DRAIN_TIMEOUT_MS = 20_000;

/**
 * The whole local pool (stratum, batching queue, journaled local queue, ingest, dynalite on disk) runs as
 * `pool start` in a child process; miners load it; it is killed with SIGKILL — no drain, no flush — and started
 * again on the same data directory. Each miner submits one share at a time, so at the kill it has at most one
 * submit without an answer: its recorded count must be at least what it saw acknowledged (nothing lost) and at
 * most that plus the unanswered submit (nothing counted twice, nothing invented).
 */
describe.each([
  { ackAfter: 'queue' as const },
  // Acknowledged at fsync; each second's journal segment is shipped as a summary (one entry per worker and minute).
  { ackAfter: 'journal' as const, shipIntervalMs: 1000 },
])('the pool process killed with SIGKILL under load (queue.ackAfter $ackAfter)', (queue) => {
  const net = withDevnet();
  let dir: string | undefined;
  const children: PoolProcess[] = [];

  afterAll(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    // KEEP_FAULT_DIR=1 keeps the data directory (pool.log, queue journal, spool) to look at after a failure.
    if (dir && !process.env.KEEP_FAULT_DIR) await rm(dir, { recursive: true, force: true });
    else if (dir) console.log(`data directory kept: ${dir}`);
  });

  it('counts every acknowledged share exactly once after a restart on the same data directory', async () => {
    const devnet = net.get();
    dir = await mkdtemp(join(tmpdir(), 'fault-kill-'));
    const configFile = join(dir, 'pool.config.json');
    await writeFile(configFile, JSON.stringify({ ...testPoolConfig(devnet, DIFFICULTY), queue }));
    const logFile = join(dir, 'pool.log');
    // Info logs (a line per ingested batch) also slow ingest down a little: a backlog at the kill is likelier.
    const first = await startPoolProcess({ dataDir: dir, configFile, logFile, logLevel: 'info' });
    children.push(first);

    const heightBefore = await devnet.clientA.getBlockCount();
    const addresses: string[] = [];
    for (let i = 0; i < MINERS; i++) addresses.push(await devnet.minerWallet.getNewAddress(`kill-${i}`, 'bech32'));
    const miners = await Promise.all(addresses.map((a, i) => TestMiner.connect(first.stratumPort, `${a}.rig${i}`)));
    // One share at a time per miner, until the connection dies with the pool.
    const loops = miners.map(async (m) => {
      while (!m.client.closed) await m.submitOne('share').catch(() => undefined);
    });
    await new Promise((r) => setTimeout(r, LOAD_MS));
    // Kill while acknowledged shares wait in the journal for ingest, so that the restart has something to redeliver.
    const backlog = await waitForBacklog(dir);
    if (first.child.exitCode !== null || first.child.signalCode !== null) {
      // Say why rather than fail on the kill's ESRCH (seen once in CI while the disk was full).
      const log = (await readFile(logFile, 'utf8')).slice(-3000);
      throw new Error(
        `the pool exited by itself before the kill (${first.child.exitCode ?? first.child.signalCode}):\n${log}`,
      );
    }
    process.kill(first.pid, 'SIGKILL');
    const killedAt = performance.now();
    expect((await first.exited).signal).toBe('SIGKILL');
    await Promise.all(loops);
    const acked = miners.map((m) => m.accepted);
    console.log(
      `load: ${MINERS} miners for ${LOAD_MS} ms at difficulty ${DIFFICULTY}; SIGKILL after ` +
        `${sum(acked)} acknowledged shares (${miners.map((m) => m.accepted).join('/')}), ` +
        `${sum(miners.map((m) => m.rejected))} refused, ${sum(miners.map((m) => m.unanswered))} unanswered; ` +
        `${backlog} journaled batch(es) not yet ingested at the kill`,
    );

    const second = await startPoolProcess({ dataDir: dir, configFile, logFile, logLevel: 'info' });
    children.push(second);
    const restartMs = Math.round(performance.now() - killedAt);
    const drained = await waitForDrain(dir);
    const stop = await second.stop();
    console.log(
      `restart: serving ${restartMs} ms after the kill (process start ${second.startMs} ms); every ` +
        `journaled message and spooled batch ingested ${drained.ok ? `after ${drained.ms} ms` : `NOT within ${DRAIN_TIMEOUT_MS} ms`}; ` +
        `graceful stop took ${stop.stoppedMs} ms${stop.lingered ? ' (process lingered after it: SIGKILL)' : ''}`,
    );
    expect(stop.lingered).toBe(false); // a stopped pool exits by itself (the pending long poll is cancelled)

    // Read the storage the pool left on disk (dynalite allows one process at a time).
    const storage = await startLocalStorage({ dataDir: dir, coins: ['LTC'] });
    // What the rewards see: the round sums (the miners pick shares that are not blocks, so few rounds).
    const heightAfter = await devnet.clientA.getBlockCount();
    const heights = Array.from({ length: heightAfter - heightBefore + 1 }, (_, i) => heightBefore + 1 + i);
    const rounds = await roundTotals(storage.shares.rounds, 'LTC', heights);
    const recorded = addresses.map((a) => rounds.get(a) ?? { shares: 0, difficulty: 0 });
    // The per-minute views (miner pages): in `queue` mode the killed process's last minute summary is lost by design.
    const minuteViews = await Promise.all(addresses.map((a) => minerTotal(storage.shares.miners, 'LTC', a)));
    await storage.close();
    const rows = miners.map((m, i) => ({
      miner: i,
      acknowledged: m.accepted,
      unanswered: m.unanswered,
      refused: m.rejected,
      recorded: recorded[i]!.shares,
      difficulty: recorded[i]!.difficulty,
      minuteViews: minuteViews[i]!.shares,
    }));
    console.table(rows);
    const leftovers = await queueLeftovers(dir);
    const log = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.includes(`"pid":${second.pid}`));
    const redelivered = log.map((l) => /"redelivered":(\d+)/.exec(l)?.[1]).find(Boolean) ?? '0';
    const busy = log.filter((l) => l.includes('BatchBusyError')).length;
    console.log(
      `second run: ${redelivered} batch(es) redelivered from the journal; ${busy} redelivery(ies) found a batch ` +
        'still claimed by the killed process (counted once the claim ran out)',
    );
    console.log(
      `recorded ${sum(rows.map((r) => r.recorded))} shares for ${sum(acked)} acknowledged; ` +
        `left on disk: ${leftovers.spoolSegments} spool segment(s), ${leftovers.journalPending} journaled ` +
        `message(s) unhandled, ${leftovers.deadLetters} dead letter(s)`,
    );

    for (const r of rows) {
      expect(r.minuteViews).toBeLessThanOrEqual(r.recorded);
      if (queue.ackAfter === 'journal') expect(r.minuteViews).toBe(r.recorded); // the summaries carry both
      expect(r.refused).toBe(0);
      expect(r.unanswered).toBeLessThanOrEqual(1);
      expect(r.recorded).toBeGreaterThanOrEqual(r.acknowledged);
      expect(r.recorded).toBeLessThanOrEqual(r.acknowledged + r.unanswered);
      expect(r.difficulty).toBeCloseTo(r.recorded * DIFFICULTY, 12);
    }
    expect(drained.ok).toBe(true);
    expect(leftovers).toEqual({ spoolSegments: 0, journalPending: 0, deadLetters: 0 });
  }, 90_000);
});

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

/** Polls the data directory until the restarted pool left nothing journaled or spooled to ingest. */
async function waitForDrain(dataDir: string): Promise<{ ok: boolean; ms: number }> {
  const started = performance.now();
  while (performance.now() - started < DRAIN_TIMEOUT_MS) {
    const left = await queueLeftovers(dataDir);
    if (left.journalPending === 0 && left.spoolSegments === 0)
      return { ok: true, ms: Math.round(performance.now() - started) };
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ok: false, ms: Math.round(performance.now() - started) };
}

async function waitForBacklog(dataDir: string): Promise<number> {
  const until = Date.now() + 2_000;
  let pending = 0;
  while (pending === 0 && Date.now() < until) {
    // Messages not yet ingested, or (ackAfter journal) acknowledged shares not yet shipped.
    const left = await queueLeftovers(dataDir);
    pending = left.journalPending + left.spoolSegments;
    if (pending === 0) await new Promise((r) => setTimeout(r, 5));
  }
  return pending;
}

/** What the queue left on disk: spool segments, journaled messages never marked done, dead letters. */
async function queueLeftovers(dataDir: string) {
  const spool = await readdir(join(dataDir, 'spool', 'LTC')).catch(() => [] as string[]);
  const journal = await readFile(join(dataDir, 'queue', 'LTC.jsonl'), 'utf8').catch(() => '');
  const pending = new Set<string>();
  for (const line of journal.split('\n').filter(Boolean)) {
    let entry: { t: string; id: string };
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // being written
    }
    if (entry.t === 'm') pending.add(entry.id);
    else pending.delete(entry.id);
  }
  const dead = await readFile(join(dataDir, 'queue', 'LTC.dead.jsonl'), 'utf8').catch(() => '');
  return {
    spoolSegments: spool.filter((f) => f.endsWith('.jsonl')).length,
    journalPending: pending.size,
    deadLetters: dead.split('\n').filter(Boolean).length,
  };
}
