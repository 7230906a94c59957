import { payments } from 'bitcoinjs-lib';
import { afterEach, describe, expect, it } from 'vitest';
import { getCoin, validateAddress } from '../../../core/coins/index.js';
import { JobManager } from '../../../fargate/src/jobs/job-manager.js';
import type { StratumJob } from '../../../fargate/src/jobs/types.js';
import type { PortDifficulty } from '../../../fargate/src/stratum/context.js';
import { SHA256_ASIC_PORT_DIFFICULTY } from '../../../fargate/src/stratum/vardiff.js';
import { CLIENTS, type ClientTranscript, USERNAME } from '../../fixtures/stratum-clients/index.js';
import { ALGORITHMS, jobFromNotify, mineShare } from '../../helpers/scrypt-miner.js';
import { FakeDaemons, fixture, recordingLogger } from '../jobs/fakes.js';
import type { Message, PairClient } from './pair-client.js';
import { startTcp } from './tcp-harness.js';

// Real clients' exchanges (test/fixtures/stratum-clients, each from the client's public source) replayed over TCP
// against the pool's StratumServer and a JobManager serving a Bitcoin (sha256d) port.

const BTC = getCoin('BTC');
const regtest = BTC.networks.regtest![0];
const POOL_ADDRESS = payments.p2wpkh({ hash: Buffer.alloc(20, 9), network: regtest }).address!;
const MINER_ADDRESS = payments.p2wpkh({ hash: Buffer.alloc(20, 5), network: regtest }).address!;
const USER = `${MINER_ADDRESS}.s19`;

/** A template with btcd's field set: no `rules`, no version-bits fields, no MWEB (the LTC fixture without them). */
const BTC_TEMPLATE = (() => {
  const { mweb: _mweb, rules: _rules, vbavailable: _vba, vbrequired: _vbr, ...template } = fixture;
  return template;
})();

/** A port whose every difficulty a test CPU finds with sha256d in ~2^14 hashes (the ASIC port's other settings). */
const CPU_PORT: PortDifficulty = { ...SHA256_ASIC_PORT_DIFFICULTY, initial: 2 ** -18, min: 2 ** -18, max: 2 ** -18 };

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function btcPort(difficulty: PortDifficulty) {
  const daemons = new FakeDaemons();
  daemons.templates = [BTC_TEMPLATE];
  const jobs = new JobManager({
    coin: BTC,
    network: 'regtest',
    poolAddress: POOL_ADDRESS,
    daemons,
    logger: recordingLogger(),
    now: () => (fixture.curtime + 5) * 1000,
    longPoll: false,
  });
  await jobs.refresh();
  cleanup.push(() => jobs.stop());
  const port = await startTcp((fn) => cleanup.push(fn), {
    over: { coin: BTC, network: 'regtest', difficulty },
    deps: { jobs, validateAddress: (a) => validateAddress(BTC, 'regtest', a) },
  });
  return { ...port, daemons };
}

/**
 * Sends the transcript's lines as the client does: waiting for an answer only where it waits. Returns each
 * answered line's answer, and for each waiting line the first answer that arrived after it was sent (what the
 * client reads as its answer).
 */
async function replay(c: PairClient, t: ClientTranscript) {
  const readAs = new Map<number, Message>();
  for (const [i, line] of t.lines.entries()) {
    const params = JSON.parse(JSON.stringify(line.params).replaceAll(USERNAME, USER)) as unknown[];
    const seen = c.messages.length;
    c.send(line.id, line.method, params);
    if (!line.waits) continue;
    await c.waitFor(() => c.responses.some((r) => r.id === line.id), `the answer to ${line.method}`);
    const isAnswer = (m: Message) => m.method === undefined && (!line.skipsOtherIds || m.id === line.id);
    readAs.set(i, c.messages.slice(seen).find(isAnswer)!);
  }
  const answered = t.lines.filter((l) => l.id !== null);
  await c.waitFor(
    () => answered.every((l) => c.responses.some((r) => r.id === l.id)),
    'an answer to every line with an id',
  );
  await c.notification('mining.notify');
  return readAs;
}

/** Sends a request and waits for the answer with its id (the replay reads answers by id, not in turn). */
async function ask(c: PairClient, id: number, method: string, params: unknown[]): Promise<Message> {
  c.send(id, method, params);
  await c.waitFor(() => c.responses.some((r) => r.id === id), `the answer to ${method} ${id}`);
  return c.responses.find((r) => r.id === id)!;
}

/** Mines a sha256d share with `bits` rolled into the job's version (BIP310: only masked bits may differ). */
function mine(job: StratumJob, extranonce1: string, extranonce2: string, bits: number, difficulty: number) {
  const version = (Number.parseInt(job.version, 16) | bits) >>> 0;
  return mineShare({
    job,
    extranonce1,
    extranonce2,
    difficulty,
    version: version.toString(16).padStart(8, '0'),
    ...ALGORITHMS.sha256d,
  });
}

describe.each(CLIENTS.map((t) => [t.client, t] as const))('%s on the BTC port', (_name, t) => {
  it('gets every answer it reads, in the form it checks, none to a line with id null, and set_difficulty (the ASIC start or its request) before the first notify', async () => {
    const { client } = await btcPort(SHA256_ASIC_PORT_DIFFICULTY);
    const c = await client();
    const readAs = await replay(c, t);

    for (const [i, line] of t.lines.entries()) {
      if (line.id === null) continue;
      const answers = c.responses.filter((r) => r.id === line.id);
      expect(answers, line.method).toHaveLength(1);
      expect(line.refuses?.({ result: answers[0]!.result, error: answers[0]!.error }), line.method).toBeUndefined();
      if (line.waits) expect(readAs.get(i), `${line.method}: the next answer it reads`).toBe(answers[0]);
    }
    expect(c.responses.filter((r) => r.id === null)).toEqual([]);

    const firstNotify = c.messages.findIndex((m) => m.method === 'mining.notify');
    const difficulties = c.messages.slice(0, firstNotify).filter((m) => m.method === 'mining.set_difficulty');
    expect(difficulties.length).toBeGreaterThan(0);
    const start = difficulties.at(-1)!.params![0] as number;
    expect(Math.abs(start / t.startDifficulty - 1)).toBeLessThan(1e-4);

    const configure = t.lines.find((l) => l.method === 'mining.configure');
    if (configure) {
      const answer = c.responses.find((r) => r.id === configure.id)!.result as Record<string, unknown>;
      expect(Number.parseInt(String(answer['version-rolling.mask']), 16)).toBe(t.versionMask);
    }
    expect(c.notifications('mining.set_extranonce')).toEqual([]); // a live connection's extranonce1 never changes
  });

  it('has a sha256d share it mined with version bits inside the negotiated mask accepted, and one outside it refused', async () => {
    const { client, queue } = await btcPort(CPU_PORT);
    const c = await client();
    await replay(c, t);
    const subscribe = c.responses.find((r) => r.id === t.lines.find((l) => l.method === 'mining.subscribe')!.id)!;
    const [, extranonce1, extranonce2Size] = subscribe.result as [unknown, string, number];
    const job = jobFromNotify(c.notifications('mining.notify').at(-1)!.params!);
    const difficulty = c.notifications('mining.set_difficulty').at(-1)!.params![0] as number;
    const en2 = (n: number) => n.toString(16).padStart(extranonce2Size * 2, '0');

    // Inside: the mask's lowest bit (BOSminer and cgminer roll upward from it); no version rolling: the job's version.
    const inside = t.versionMask & -t.versionMask;
    const good = mine(job, extranonce1, en2(1), inside, difficulty);
    const goodParams = [USER, job.jobId, good.extranonce2, good.ntime, good.nonce];
    if (t.versionMask !== 0) goodParams.push(inside.toString(16).padStart(8, '0'));
    expect(await ask(c, 100, 'mining.submit', goodParams)).toMatchObject({ result: true, error: null });

    // Outside: a bit BIP320 leaves to the chain (0x00001000), mined into the header so only the mask can refuse it.
    const outside = 0x00001000;
    const bad = mine(job, extranonce1, en2(2), outside, difficulty);
    const badParams = [USER, job.jobId, bad.extranonce2, bad.ntime, bad.nonce, outside.toString(16).padStart(8, '0')];
    const refused = await ask(c, 101, 'mining.submit', badParams);
    expect(refused.error?.[0]).toBe(20);
    expect(refused.error?.[1]).toMatch(/version bits outside the negotiated mask/);

    expect(queue.shares.map((s) => [s.miner, s.worker, s.coin])).toEqual([[MINER_ADDRESS, 's19', 'BTC']]);
    expect(BigInt(`0x${queue.shares[0]!.hash}`)).toBe(good.hashValue);
  });
});
