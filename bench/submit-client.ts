// The daemon client's submitblock round trip alone, for an instruction count (bench/submit.ts, BENCH_SUBMIT_INSTR=1):
// a DaemonClient and a raw HTTP answerer in this process; the parent zeroes callgrind's counters after a warm-up and
// dumps them after the counted blocks (IPC: 'warm' → 'count' → 'counted'). The answerer does the same work whatever
// the client does, so a change of the count is the client's.
import { createServer, type Socket } from 'node:net';
import { DaemonClient } from '../adapters/rpc/daemon-client.js';

export type ToSubmitClient = { type: 'count'; blocks: number } | { type: 'stop' };
export type FromSubmitClient = { type: 'warm' } | { type: 'counted' };

const ANSWER_BODY = '{"result":null,"error":null,"id":1}';
const ANSWER = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${ANSWER_BODY.length}\r\n\r\n${ANSWER_BODY}`,
);

/** Answers each request once its head and Content-Length bytes are in (the client sends one at a time). */
function answerer(socket: Socket): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const end = pending.indexOf('\r\n\r\n');
    if (end === -1) return;
    const length = Number(/content-length: (\d+)/i.exec(pending.toString('latin1', 0, end))?.[1] ?? 0);
    if (pending.length < end + 4 + length) return;
    pending = Buffer.alloc(0);
    socket.write(ANSWER);
  });
}

if (process.env.BENCH_SUBMIT_CLIENT === '1') {
  const server = createServer(answerer);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const client = new DaemonClient({ url: `http://127.0.0.1:${port}`, user: 'bench', password: 'bench-password' });
  // A coinbase-only block as the job manager hands it over: header, transaction count, coinbase, empty tail.
  const block = ['00'.repeat(80), '01', 'ab'.repeat(180), ''];
  const send = process.send?.bind(process) as (m: FromSubmitClient) => void;
  for (let i = 0; i < 300; i++) await client.submitBlock(block);
  process.on('message', async (m: ToSubmitClient) => {
    if (m.type === 'stop') {
      client.close();
      server.close();
      process.disconnect();
      return;
    }
    for (let i = 0; i < m.blocks; i++) await client.submitBlock(block);
    send({ type: 'counted' });
  });
  send({ type: 'warm' });
}
