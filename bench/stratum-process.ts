// One bench stratum process, forked by measureFanout with processes > 1: what a stratum process of a task with
// POOL_STRATUM_PROCESSES = n does with a new template (fargate/src/main.ts), driven over IPC by the bench.
import { blockTemplate, HARD_BITS, startBenchPool } from './pool.js';

export type ToStratumProcess = { type: 'apply'; height: number } | { type: 'stop' };
export type FromStratumProcess =
  | { type: 'ready'; port: number; users: string[] }
  | { type: 'applied'; serverMs: number; userMs: number; sysMs: number; connections: number };

const pool = await startBenchPool('LTC', HARD_BITS, { host: process.env.BENCH_STRATUM_HOST });
const send = (msg: FromStratumProcess) => process.send?.(msg);
process.on('message', async (msg: ToStratumProcess) => {
  if (msg.type === 'apply') {
    const t0 = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    pool.jobs.applyTemplate(blockTemplate(msg.height, HARD_BITS));
    const used = process.cpuUsage(cpu);
    send({
      type: 'applied',
      serverMs: Number(process.hrtime.bigint() - t0) / 1e6,
      userMs: used.user / 1000,
      sysMs: used.system / 1000,
      connections: pool.service.health().connections,
    });
  } else {
    await pool.stop();
    process.exit(0);
  }
});
send({ type: 'ready', port: pool.port, users: Array.from({ length: 256 }, (_, i) => pool.user(i)) });
