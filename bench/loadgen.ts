// The stratum load generator. It runs as its own process (forked by bench/harness.ts, in its own network namespace
// where bench/netns.ts could make one) so that the server under test keeps a core to itself, and answers the bench
// over IPC. It connects only to 127.0.0.x or the bench's veth address, and every command is bounded in count and time.

import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { percentile, sortedNumbers } from './percentiles.js';

export interface ConnectArgs {
  port: number;
  count: number;
  /** Usernames (payout addresses); connection i authorizes users[i % length].w<i>. */
  users: string[];
  /** Source addresses 127.0.0.1 … 127.0.0.<sources>: each has its own ~28k ephemeral ports toward one server port. */
  sources: number;
  /** The server's address (default 127.0.0.1) and the source addresses to use instead (bench/netns.ts). */
  host?: string;
  sourceAddresses?: string[];
  timeoutMs: number;
  /**
   * No new handshake after this long since the call (ms) or once this many have failed: a server that stops
   * accepting ends the phase with what it has, instead of every remaining connection waiting out `timeoutMs`.
   */
  deadlineMs?: number;
  maxFailures?: number;
}
export interface ConnectResult {
  connected: number;
  failed: number;
  firstError?: string;
  seconds: number;
}
export interface ThroughputArgs {
  warmupSeconds: number;
  seconds: number;
  /** Submits in flight per connection (pipelining, as a proxy or a farm behind one connection does). */
  window: number;
  /**
   * Open loop: this many submits per second in total, spread over the connections, whatever the answers do (how a
   * real miner population behaves). Without it, closed loop: each answer sends the next submit (the maximum rate).
   */
  rate?: number;
}
export interface ThroughputResult {
  accepted: number;
  rejected: number;
  firstRejection?: string;
  seconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** CPU seconds this load generator used in the window: near `seconds` means it, not the server, was the limit. */
  cpuSeconds: number;
}
export interface NotifyResult {
  /** Connections that got the new job, and process.hrtime.bigint() (as strings) of the median and last arrival. */
  seen: number;
  medianAt: string;
  lastAt: string;
}
export interface BlockSubmit {
  /** The nonce as its 4 header bytes (little-endian hex), to match the daemon's submitblock. */
  nonceLe: string;
  sentAt: string;
  accepted: boolean;
}

/** The commands; harness.ts calls them by name. */
export interface LoadGenApi {
  connect(a: ConnectArgs): Promise<ConnectResult>;
  throughput(a: ThroughputArgs): Promise<ThroughputResult>;
  /** Arms the notify watch: the next job id that differs from each connection's current one. */
  armNotify(a: Record<string, never>): Promise<void>;
  /** Waits until every connection saw the armed new job (or the timeout). */
  collectNotify(a: { timeoutMs: number }): Promise<NotifyResult>;
  /**
   * `count` submits one after the other on the first connection, each `pauseMs` after the previous answer (a found
   * block makes the server fetch the next template: a share sent at once would queue behind that).
   */
  submitEach(a: { count: number; timeoutMs: number; pauseMs?: number }): Promise<BlockSubmit[]>;
  /**
   * Exactly `count` submits in closed loop over every connection (`window` in flight each), resolving once each is
   * answered: a fixed amount of work, for instruction counts.
   */
  submitCount(a: { count: number; window: number; timeoutMs: number }): Promise<{ accepted: number; rejected: number }>;
}

type Response = { id: number; ok: boolean; error?: string };

/** Loopback, or the server's end of the bench's veth pair (bench/netns.ts SUBNET): nothing else. */
const ALLOWED_TARGET = /^(?:127\.0\.0\.\d{1,3}|10\.77\.0\.1)$/;

class Miner {
  buf = '';
  extranonce1 = '';
  jobId = '';
  ntime = '';
  nonce = 0;
  nextId = 10;
  /** Submit id → performance.now() when sent. */
  readonly sent = new Map<number, number>();
  outbox = '';
  armedJob: string | undefined;
  ready!: () => void;

  constructor(
    readonly socket: Socket,
    readonly user: string,
  ) {}

  /** A fresh share of the current job: the nonce counts up, so no two are duplicates. */
  submit(): string {
    const id = this.nextId++;
    const nonce = (this.nonce++ >>> 0).toString(16).padStart(8, '0');
    this.sent.set(id, performance.now());
    return `{"id":${id},"method":"mining.submit","params":["${this.user}","${this.jobId}","00000000","${this.ntime}","${nonce}"]}\n`;
  }
}

const miners: Miner[] = [];
/** What the current command does with submit answers and new jobs. */
let onSubmitAnswer: (m: Miner, r: Response) => void = () => {};
/** When each connection got the job armNotify waits for (process.hrtime.bigint()). */
let arrivals: bigint[] = [];

function onLine(m: Miner, line: string): void {
  // Submit answers are by far the most frequent line: read them without JSON.parse.
  if (line.startsWith('{"id":') && !line.startsWith('{"id":null')) {
    const id = Number.parseInt(line.slice(6), 10);
    if (id >= 10) {
      const ok = line.includes('"result":true');
      onSubmitAnswer(m, { id, ok, error: ok ? undefined : line });
      return;
    }
  }
  const msg = JSON.parse(line) as { id: unknown; method?: string; params?: unknown[]; result?: unknown };
  if (msg.id === 1 && Array.isArray(msg.result)) m.extranonce1 = String(msg.result[1]);
  if (msg.method === 'mining.notify' && msg.params) {
    const first = m.jobId === '';
    m.jobId = String(msg.params[0]);
    m.ntime = String(msg.params[7]);
    if (first) m.ready();
    else if (m.armedJob !== undefined && m.jobId !== m.armedJob) {
      m.armedJob = undefined;
      arrivals.push(process.hrtime.bigint());
    }
  }
}

function attach(m: Miner): void {
  m.socket.setEncoding('utf8');
  m.socket.on('data', (chunk: string) => {
    m.buf += chunk;
    let start = 0;
    for (let nl = m.buf.indexOf('\n'); nl >= 0; nl = m.buf.indexOf('\n', start)) {
      onLine(m, m.buf.slice(start, nl));
      start = nl + 1;
    }
    m.buf = m.buf.slice(start);
    if (m.outbox) {
      m.socket.write(m.outbox);
      m.outbox = '';
    }
  });
  m.socket.on('error', () => {});
}

function connectOne(a: ConnectArgs, i: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    // An explicit source address costs a bind() that searches for a free port (~10 ms under load): only past one
    // address's ephemeral ports.
    const from = a.sourceAddresses ?? Array.from({ length: a.sources }, (_, k) => `127.0.0.${1 + k}`);
    const source = from.length > 1 ? { localAddress: from[i % from.length] } : {};
    const socket = connect({ port: a.port, host: a.host ?? '127.0.0.1', ...source });
    const m = new Miner(socket, `${a.users[i % a.users.length]}.w${i}`);
    const timer = setTimeout(() => fail('timed out'), a.timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    m.ready = () => {
      clearTimeout(timer);
      miners.push(m);
      resolve(undefined);
    };
    attach(m);
    socket.once('error', (err) => fail(err.message));
    socket.once('connect', () => {
      socket.write(
        `{"id":1,"method":"mining.subscribe","params":["edgepool-bench/1"]}\n{"id":2,"method":"mining.authorize","params":["${m.user}","x"]}\n`,
      );
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `rate` submits per second round-robin over the connections, in 5 ms ticks, until cleared. */
function pace(rate: number): ReturnType<typeof setInterval> {
  const started = performance.now();
  let sent = 0;
  let next = 0;
  return setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * rate) - sent;
    const touched = new Set<Miner>();
    for (let i = 0; i < due; i++) {
      const m = miners[next++ % miners.length]!;
      m.outbox += m.submit();
      touched.add(m);
    }
    for (const m of touched) {
      m.socket.write(m.outbox);
      m.outbox = '';
    }
    sent += due;
  }, 5);
}

const api: LoadGenApi = {
  async connect(a) {
    if (!ALLOWED_TARGET.test(a.host ?? '127.0.0.1')) throw new Error(`refusing to connect to ${a.host}`);
    const started = performance.now();
    let next = 0;
    let failed = 0;
    let firstError: string | undefined;
    // A bounded number of handshakes at once: the server's accept backlog is finite.
    const deadline = started + (a.deadlineMs ?? Number.POSITIVE_INFINITY);
    const maxFailures = a.maxFailures ?? Number.POSITIVE_INFINITY;
    const worker = async () => {
      while (next < a.count && failed < maxFailures && performance.now() < deadline) {
        const error = await connectOne(a, next++);
        if (error !== undefined) {
          failed++;
          firstError ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(256, a.count) }, worker));
    return { connected: miners.length, failed, firstError, seconds: (performance.now() - started) / 1000 };
  },

  async throughput(a) {
    let measuring = false;
    let stopping = false;
    let accepted = 0;
    let rejected = 0;
    let firstRejection: string | undefined;
    const latencies: number[] = [];
    onSubmitAnswer = (m, r) => {
      const sentAt = m.sent.get(r.id);
      m.sent.delete(r.id);
      if (measuring && sentAt !== undefined) {
        if (r.ok) accepted++;
        else {
          rejected++;
          firstRejection ??= r.error;
        }
        latencies.push(performance.now() - sentAt);
      }
      if (!stopping) m.outbox += m.submit();
    };
    let pacer: ReturnType<typeof setInterval> | undefined;
    if (a.rate === undefined) {
      for (const m of miners) {
        let lines = '';
        for (let i = 0; i < a.window; i++) lines += m.submit();
        m.socket.write(lines);
      }
    } else {
      pacer = pace(a.rate);
      stopping = true; // answers send nothing: the pacer does
    }
    await sleep(a.warmupSeconds * 1000);
    const cpu = process.cpuUsage();
    const started = performance.now();
    measuring = true;
    await sleep(a.seconds * 1000);
    measuring = false;
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    stopping = true;
    clearInterval(pacer);
    // Let the last answers in, so the next command starts from a quiet connection.
    const deadline = performance.now() + 5000;
    while (miners.some((m) => m.sent.size > 0) && performance.now() < deadline) await sleep(20);
    const sorted = sortedNumbers(latencies);
    return {
      accepted,
      rejected,
      firstRejection,
      seconds,
      latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN },
      cpuSeconds: (used.user + used.system) / 1e6,
    };
  },

  async armNotify() {
    arrivals = [];
    for (const m of miners) m.armedJob = m.jobId;
  },

  async collectNotify(a) {
    const deadline = performance.now() + a.timeoutMs;
    while (arrivals.length < miners.length && performance.now() < deadline) await sleep(1);
    for (const m of miners) m.armedJob = undefined;
    return {
      seen: arrivals.length,
      medianAt: String(arrivals[Math.floor(arrivals.length / 2)] ?? 0n),
      lastAt: String(arrivals.at(-1) ?? 0n),
    };
  },

  async submitEach(a) {
    const m = miners[0];
    if (!m) throw new Error('no connection');
    const out: BlockSubmit[] = [];
    for (let i = 0; i < a.count; i++) {
      const line = m.submit();
      const nonce = line.slice(-12, -4); // the line ends with `"<nonce>"]}\n`
      const answered = new Promise<boolean>((resolve) => {
        onSubmitAnswer = (_m, r) => resolve(r.ok);
      });
      const sentAt = process.hrtime.bigint();
      m.socket.write(line);
      const accepted = await Promise.race([answered, sleep(a.timeoutMs).then(() => false)]);
      out.push({ nonceLe: nonce.match(/../g)!.reverse().join(''), sentAt: String(sentAt), accepted });
      if (a.pauseMs) await sleep(a.pauseMs);
    }
    onSubmitAnswer = () => {};
    return out;
  },

  async submitCount(a) {
    let sent = 0;
    let accepted = 0;
    let rejected = 0;
    const send = (m: Miner): string => (sent++ < a.count ? m.submit() : '');
    const done = new Promise<void>((resolve) => {
      onSubmitAnswer = (m, r) => {
        m.sent.delete(r.id);
        if (r.ok) accepted++;
        else rejected++;
        m.outbox += send(m);
        if (accepted + rejected === a.count) resolve();
      };
    });
    for (const m of miners) {
      let lines = '';
      for (let i = 0; i < a.window; i++) lines += send(m);
      m.socket.write(lines);
    }
    await Promise.race([done, sleep(a.timeoutMs)]);
    onSubmitAnswer = () => {};
    if (accepted + rejected < a.count) throw new Error(`${accepted + rejected} of ${a.count} submits answered in time`);
    return { accepted, rejected };
  },
};

if (process.send) {
  process.on('message', (msg: { id: number; cmd: keyof LoadGenApi; args: never }) => {
    const reply = (body: object) => process.send?.({ id: msg.id, ...body });
    api[msg.cmd](msg.args).then(
      (result) => reply({ ok: true, result }),
      (err: Error) => reply({ ok: false, error: err.message }),
    );
  });
  // The bench going away (even killed) closes the IPC channel: never outlive it.
  process.on('disconnect', () => process.exit(0));
}
