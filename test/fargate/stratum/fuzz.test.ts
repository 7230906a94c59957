import { duplexPair } from 'node:stream';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LineFramer, LineTooLongError } from '../../../fargate/src/stratum/framer.js';
import { createMemoryMetrics } from '../../../fargate/src/stratum/metrics.js';
import { StratumServer } from '../../../fargate/src/stratum/server.js';
import { FakeJobProvider, MemoryShareQueue, options, RecordingLogger, security, validate } from './fakes.js';
import { type Message, PairClient } from './pair-client.js';
import { closed, startTcp, USER, working } from './tcp-harness.js';

// Fuzzing of the stratum reader and dispatcher: random, mutated, huge, deeply nested and wrongly typed lines,
// unicode, frames split at every byte. The server must never crash (no uncaught exception, no unhandled rejection,
// no "stratum handler failed"), answer every line it keeps reading with a well-formed message, or close with a
// reason; the framer never holds more than the line limit.

const LIMIT = 4096;

let escaped = 0;
const onEscape = () => {
  escaped++;
};
beforeAll(() => {
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
});
afterAll(() => {
  process.off('uncaughtException', onEscape);
  process.off('unhandledRejection', onEscape);
  console.log(`fuzz: ${escaped} uncaught exceptions or unhandled rejections in the whole file`);
  expect(escaped).toBe(0);
});

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

/** One server for many fuzz connections, each from its own IP so one run's ban does not refuse the next. */
function fuzzServer() {
  const jobs = new FakeJobProvider();
  const log = new RecordingLogger();
  const metrics = createMemoryMetrics();
  const server = new StratumServer({
    options: options({ maxLineBytes: LIMIT }),
    jobs,
    dialects: jobs.dialects,
    shares: new MemoryShareQueue(),
    validateAddress: validate,
    log,
    metrics,
  });
  cleanup.push(() => server.close());
  let n = 0;
  const stats = {
    runs: 0,
    lines: 0,
    answers: 0,
    closed: 0,
    byCode: new Map<string, number>(),
    byReason: new Map<string, number>(),
  };
  /**
   * Opens a connection (authorized first when asked), writes `chunks` one write each, then a sentinel request.
   * Returns what came back after the prelude, and whether the server closed the connection instead of answering
   * the sentinel.
   */
  const exchange = async (chunks: Array<string | Buffer>, authorized = false) => {
    n++;
    const [miner, pool] = duplexPair();
    const conn = server.handle(pool, { address: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, port: 1 });
    if (!conn) throw new Error('refused');
    const c = new PairClient(miner);
    cleanup.push(() => void miner.destroy());
    if (authorized) await working(c);
    const skip = c.messages.length;
    for (const chunk of chunks) c.raw(chunk as string);
    c.send('sentinel', 'client.get_version', []);
    let wasClosed = false;
    await c
      .waitFor(() => c.responses.some((r) => r.id === 'sentinel'), 'the sentinel answer')
      .catch((err) => {
        if (!c.ended) throw err;
        wasClosed = true;
      });
    const after = c.messages.slice(skip).filter((m) => m.id !== 'sentinel');
    const closing = log.entries.find(
      (e) => e.msg === 'closing connection' && (e.obj as { session?: number }).session === conn.session.id,
    );
    const reason = (closing?.obj as { reason?: string } | undefined)?.reason;
    if (reason) stats.byReason.set(reason, (stats.byReason.get(reason) ?? 0) + 1);
    stats.runs++;
    stats.lines += chunks.join('').split('\n').length - 1;
    stats.answers += after.filter((m) => m.method === undefined).length;
    if (wasClosed) stats.closed++;
    for (const m of after) {
      const code = m.error ? String(m.error[0]) : m.method ? 'notification' : 'result';
      stats.byCode.set(code, (stats.byCode.get(code) ?? 0) + 1);
    }
    miner.destroy();
    return { messages: after, closed: wasClosed, isOpen: conn.isOpen, reason };
  };
  const crashes = () => log.entries.filter((e) => e.level === 'error');
  const summary = () =>
    `${stats.runs} connections, ${stats.lines} lines, ${stats.answers} answers, ${stats.closed} closed by the ` +
    `server; messages by error code: ${JSON.stringify(Object.fromEntries(stats.byCode))}; ` +
    `close reasons ${JSON.stringify(Object.fromEntries(stats.byReason))}; ` +
    `bans ${JSON.stringify(Object.fromEntries([...metrics.counts].filter(([k]) => k.startsWith('bans'))))}`;
  return { exchange, crashes, summary, metrics, server };
}

/** Every message is a well-formed stratum answer or notification. */
function expectWellFormed(messages: Message[]): void {
  for (const m of messages) {
    if (m.method !== undefined) {
      expect(typeof m.method).toBe('string');
      expect(Array.isArray(m.params)).toBe(true);
      continue;
    }
    expect(m).toHaveProperty('id');
    expect(m).toHaveProperty('result');
    if (m.error !== null) {
      expect(m.error).toEqual([expect.any(Number), expect.any(String), null]);
    }
  }
}

const methodNames = [...new FakeJobProvider().dialects[0]!.methods.keys()];

/** A request-shaped value with any id and any params (wrong types included). */
const request = fc.record(
  {
    id: fc.oneof(fc.nat(), fc.string(), fc.constant(null), fc.anything()),
    method: fc.oneof(
      fc.constantFrom(...methodNames),
      fc.constantFrom('constructor', '__proto__', 'toString', ''),
      fc.string({ unit: 'binary', maxLength: 80 }),
    ),
    params: fc.oneof(fc.array(fc.anything({ maxDepth: 3 }), { maxLength: 8 }), fc.anything({ maxDepth: 2 })),
  },
  { requiredKeys: ['method'] },
);

/** Lines a real miner sends, as the seeds of mutations. */
const VALID_LINES = [
  '{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}',
  `{"id":2,"method":"mining.authorize","params":["${USER}","x"]}`,
  `{"id":4,"method":"mining.submit","params":["${USER}","1","00000001","6500000a","0000abcd"]}`,
  '{"id":3,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe000"}]}',
  '{"id":5,"method":"mining.suggest_difficulty","params":[32]}',
  '{"id":6,"method":"mining.extranonce.subscribe","params":[]}',
];

/** A valid line with a few byte-level edits: deletions, insertions (any unicode), replacements, truncation. */
const mutated = fc
  .tuple(
    fc.constantFrom(...VALID_LINES),
    fc.array(
      fc.tuple(fc.constantFrom('delete', 'insert', 'replace', 'truncate'), fc.nat(), fc.string({ unit: 'binary' })),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([line, edits]) => {
    let s = line;
    for (const [op, at, text] of edits) {
      const i = at % (s.length + 1);
      if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
      else if (op === 'insert') s = s.slice(0, i) + text + s.slice(i);
      else if (op === 'replace') s = s.slice(0, i) + text.slice(0, 1) + s.slice(i + 1);
      else s = s.slice(0, i);
    }
    return s;
  });

/** Nested arrays/objects, as a bare value or as the params of a method. */
const nested = fc
  .tuple(fc.integer({ min: 1, max: 1900 }), fc.boolean(), fc.constantFrom(...methodNames))
  .map(([depth, objects, method]) => {
    const open = objects ? '{"a":'.repeat(depth) : '['.repeat(depth);
    const body = `${open}1${(objects ? '}' : ']').repeat(depth)}`;
    return depth % 2 === 0 ? body : `{"id":1,"method":"${method}","params":[${body}]}`;
  })
  .filter((s) => Buffer.byteLength(s) <= LIMIT);

const anyLine = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }), weight: 2 },
  { arbitrary: fc.json({ maxDepth: 4 }), weight: 2 },
  { arbitrary: request.map((r) => JSON.stringify(r) ?? 'null'), weight: 4 },
  { arbitrary: mutated, weight: 4 },
  { arbitrary: nested, weight: 1 },
);

describe('fuzz: the line framer', () => {
  it('takes any bytes in any chunks: only LineTooLongError, lines within the limit, never more buffered than the limit', () => {
    let pushes = 0;
    let tooLong = 0;
    let maxBuffered = 0;
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 256 }),
        (chunks, limit) => {
          const framer = new LineFramer(limit);
          for (const chunk of chunks) {
            pushes++;
            try {
              for (const line of framer.push(Buffer.from(chunk))) {
                expect(Buffer.byteLength(line)).toBeLessThanOrEqual(limit);
              }
            } catch (err) {
              expect(err).toBeInstanceOf(LineTooLongError);
              tooLong++;
              return;
            } finally {
              maxBuffered = Math.max(maxBuffered, framer.bufferedBytes - limit);
              expect(framer.bufferedBytes).toBeLessThanOrEqual(limit + 1);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
    console.log(
      `framer: ${pushes} random chunks pushed, ${tooLong} LineTooLongError, buffered never above limit + ${maxBuffered}`,
    );
  });

  it('keeps at most the limit while a 10 MB line without a newline arrives in 64 KiB chunks', () => {
    const framer = new LineFramer(16 * 1024);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let pushed = 0;
    let error: unknown;
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 160 && error === undefined; i++) {
      try {
        framer.push(i === 0 ? chunk.subarray(0, 16 * 1024) : chunk.subarray(0, 1024));
        pushed++;
      } catch (err) {
        error = err;
      }
    }
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(
      `framer: ${pushed} chunks accepted before ${(error as Error).message}; buffered afterwards ${framer.bufferedBytes} B; heap +${heapMb.toFixed(1)} MB`,
    );
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(pushed).toBe(1); // exactly the limit, then the next kilobyte is refused
    expect(framer.bufferedBytes).toBe(0);
  });
});

describe('fuzz: connection and dispatcher', () => {
  it('answers or closes on random, mutated, nested and wrongly typed lines, with or without a session', async () => {
    const f = fuzzServer();
    await fc.assert(
      fc.asyncProperty(fc.array(anyLine, { minLength: 1, maxLength: 12 }), fc.boolean(), async (lines, authorized) => {
        const {
          messages,
          closed: wasClosed,
          isOpen,
          reason,
        } = await f.exchange(
          lines.map((l) => `${l}\n`),
          authorized,
        );
        expectWellFormed(messages);
        const sent = lines.join('\n').split('\n').length;
        expect(messages.filter((m) => m.method === undefined).length).toBeLessThanOrEqual(sent);
        expect(wasClosed).toBe(!isOpen);
        if (wasClosed) expect(reason).toMatch(/\w/);
        expect(f.crashes()).toEqual([]);
      }),
      { numRuns: 800 },
    );
    console.log(`fuzz lines: ${f.summary()}`);
  });

  it('answers every method with any params of any type, never with an internal error', async () => {
    const f = fuzzServer();
    let calls = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...methodNames),
        fc.array(
          fc.oneof(
            fc.anything({ maxDepth: 2, withNullPrototype: false }),
            fc.string({ unit: 'binary' }),
            fc.double(),
            fc.constantFrom('', '__proto__', '00000001', 'ffffffff', USER, '1e400', '-1', 'NaN'),
          ),
          { maxLength: 7 },
        ),
        fc.boolean(),
        async (method, params, authorized) => {
          calls++;
          const { messages, closed: wasClosed } = await f.exchange(
            [`${JSON.stringify({ id: 7, method, params })}\n`],
            authorized,
          );
          expect(wasClosed).toBe(false);
          const answer = messages.find((m) => m.id === 7);
          expect(answer, `${method} ${JSON.stringify(params)}`).toBeDefined();
          expectWellFormed(messages);
          expect(answer!.error?.[1]).not.toBe('internal error');
          expect(f.crashes()).toEqual([]);
        },
      ),
      { numRuns: 600 },
    );
    console.log(`fuzz params: ${calls} calls over ${methodNames.length} methods; ${f.summary()}`);
  });

  it('answers a session the same however it is cut: at every byte, and one byte per write', async () => {
    const f = fuzzServer();
    const transcript = Buffer.from(
      [
        '{"id":1,"method":"mining.subscribe","params":["ünïcödé-miner/1.0 €𝄞"]}',
        '{"id":2,"method":"mining.authorize","params":["not-an-address.rig€","x"]}',
        `{"id":3,"method":"mining.authorize","params":["${USER}","d=16"]}`,
        '{"id":4,"method":"mining.frobnicate 🚀","params":[]}',
        `{"id":5,"method":"mining.submit","params":["${USER}","1","00000001","6500000a","0000abcd"]}`,
        'not json at all ✗',
        '',
      ].join('\r\n'),
      'utf8',
    );
    /** What the answers say, without the per-connection extranonce1. */
    const gist = (messages: Message[]) =>
      messages.map((m) => (m.method ?? `r${m.id}:${m.error ? m.error[0] : JSON.stringify(m.result).length}`) as string);
    const reference = gist((await f.exchange([transcript])).messages);
    let cuts = 0;
    for (let i = 1; i < transcript.length; i++) {
      const { messages } = await f.exchange([transcript.subarray(0, i), transcript.subarray(i)]);
      expect(gist(messages), `cut at byte ${i}`).toEqual(reference);
      cuts++;
    }
    const bytes = [...transcript].map((b) => Buffer.from([b]));
    const byByte = gist((await f.exchange(bytes)).messages);
    console.log(
      `split frames: a ${transcript.length}-byte session cut at each of ${cuts} bytes and sent 1 byte per write: ` +
        `${cuts + 1}/${cuts + 1} got the same ${reference.length} messages (${reference.join(' ')})`,
    );
    expect(byByte).toEqual(reference);
    expect(f.crashes()).toEqual([]);
  });

  it('closes a connection on a huge line, and on 10 MB without a newline after at most the limit', async () => {
    const f = fuzzServer();
    const huge = await f.exchange([`{"id":1,"method":"mining.subscribe","params":["${'x'.repeat(LIMIT)}"]}\n`]);
    expect(huge.closed).toBe(true);
    expect(huge.messages.at(-1)?.error).toEqual([20, `line too long (max ${LIMIT} bytes)`, null]);
    const [miner, pool] = duplexPair();
    cleanup.push(() => void miner.destroy());
    f.server.handle(pool, { address: '192.0.2.1', port: 1 });
    const c = new PairClient(miner);
    const chunk = Buffer.alloc(64 * 1024, 0x5b); // "[[[[…", no newline
    let written = 0;
    while (!c.ended && written < 10 * 2 ** 20) {
      miner.write(chunk);
      written += chunk.length;
      await new Promise((r) => setImmediate(r));
    }
    console.log(
      `huge lines: ${LIMIT + 52}-byte line → "${huge.messages.at(-1)?.error?.[1]}", closed; a no-newline stream ` +
        `was closed after ${written / 1024} KiB of 10240 KiB; bans ${JSON.stringify(Object.fromEntries(f.metrics.counts))}`,
    );
    expect(c.ended).toBe(true);
    expect(written).toBe(64 * 1024);
    expect(f.metrics.counts.get('bans:LTC:flood')).toBe(2);
  });
});

describe('fuzz: real sockets', () => {
  it('survives random bytes over TCP and still serves a miner', async () => {
    const h = await startTcp((fn) => cleanup.push(fn), {
      over: { security: security({ banning: { enabled: false } }) },
    });
    let runs = 0;
    let closedByServer = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 512 }), { maxLength: 8 }), async (chunks) => {
        runs++;
        const s = await h.socket();
        const c = new PairClient(s);
        for (const chunk of chunks) s.write(chunk);
        s.write('\n{"id":"end","method":"client.get_version","params":[]}\n');
        await c
          .waitFor(() => c.responses.some((r) => r.id === 'end'), 'the sentinel')
          .catch(() => {
            if (c.ended) closedByServer++;
            else throw new Error('neither answered nor closed');
          });
        expectWellFormed(c.messages);
        s.destroy();
      }),
      { numRuns: 60 },
    );
    const miner = await h.client();
    await working(miner);
    console.log(
      `tcp fuzz: ${runs} sockets of random bytes, ${closedByServer} closed by the server, the rest answered; ` +
        `a miner then authorized fine; ${h.log.entries.filter((e) => e.level === 'error').length} errors logged`,
    );
    expect(h.log.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(await Promise.race([closed(miner), new Promise((r) => setTimeout(() => r('open'), 50))])).toBe('open');
  });
});
