import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonClient } from '../../../adapters/rpc/daemon-client.js';
import { KeptConnection, type KeptRequestEvent, keptRequestChannel } from '../../../adapters/rpc/kept-connection.js';
import { failure } from './fake-daemon.js';

/** One request as the raw daemon read it off the wire. */
interface RawRequest {
  head: string;
  body: string;
  socket: Socket;
  /** Requests this socket carried before this one. */
  index: number;
}

/** A TCP server reading HTTP requests by hand and answering whatever bytes `answer` writes. */
async function rawDaemon(answer: (req: RawRequest) => void) {
  const requests: RawRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    let index = 0;
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const body = buffered.subarray(end + 4, end + 4 + length).toString();
        buffered = buffered.subarray(end + 4 + length);
        const req = { head, body, socket, index: index++ };
        requests.push(req);
        answer(req);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const d = { url: `http://127.0.0.1:${port}`, requests, sockets, server };
  servers.push(d);
  return d;
}
const servers: Array<{ server: Server; sockets: Set<Socket> }> = [];
afterEach(async () => {
  for (const { server, sockets } of servers.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

const answer = (result: unknown, extraHeaders = '') => {
  const body = JSON.stringify({ result, error: null, id: 1 });
  return `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${extraHeaders}Content-Length: ${body.length}\r\n\r\n${body}`;
};

describe('the kept submit connection, written by hand', () => {
  it('writes one HTTP/1.1 POST: path, Host, Basic auth, JSON type, the exact length, the pieces in order', async () => {
    const d = await rawDaemon((req) => req.socket.write(answer(null)));
    const client = new DaemonClient({ url: `${d.url}/`, user: 'pool', password: 's3cret-pw', wallet: 'w 1' });
    try {
      expect(await client.submitBlock(['00ab', '', 'cd'.repeat(3), 'ef'])).toBeNull();
      const [req] = d.requests;
      const lines = req?.head.split('\r\n') ?? [];
      expect(lines[0]).toBe('POST /wallet/w%201 HTTP/1.1');
      expect(lines).toContain(`Host: ${d.url.slice('http://'.length)}`);
      expect(lines).toContain(`Authorization: Basic ${Buffer.from('pool:s3cret-pw').toString('base64')}`);
      expect(lines).toContain('Content-Type: application/json');
      expect(lines).toContain(`Content-Length: ${Buffer.byteLength(req?.body ?? '')}`);
      expect(JSON.parse(req?.body ?? '')).toMatchObject({ method: 'submitblock', params: ['00abcdcdcdef'] });
    } finally {
      client.close();
    }
  });

  it('hands a found block to the socket within the submitBlock call, not on a later turn', async () => {
    const d = await rawDaemon((req) => req.socket.write(answer(null)));
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    const phases: string[] = [];
    const record = (m: unknown) => phases.push((m as KeptRequestEvent).phase);
    keptRequestChannel.subscribe(record);
    try {
      // A new socket is still connecting: the bytes wait in the stream, and `written` comes once they left.
      const first = client.submitBlock('00');
      expect(phases).toEqual(['created']);
      expect(await first).toBeNull();
      expect(phases).toEqual(['created', 'written']);
      phases.length = 0;
      const sent = client.submitBlock(['01', '02']);
      // Synchronously: the daemon pool awaits this call, so anything deferred would wait for the turn's other work;
      // on the open kept socket the kernel took every byte within the call, so `written` is said then, and once.
      expect(phases).toEqual(['created', 'written']);
      expect(await sent).toBeNull();
      expect(phases).toEqual(['created', 'written']);
    } finally {
      keptRequestChannel.unsubscribe(record);
      client.close();
    }
  });

  it('fails a malformed answer with a clear error and sends the next block on a new socket', async () => {
    const d = await rawDaemon((req) => {
      if (req.index === 0 && d.requests.length === 1) req.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n');
      else req.socket.write(answer(null));
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      const err = await failure(client.submitBlock('00'));
      expect(err.message).toMatch(/^submitblock on http:\/\/127\.0\.0\.1:\d+: malformed HTTP answer: Content-Length/);
      expect(await client.submitBlock('01')).toBeNull();
      expect(d.requests.map((r) => r.index)).toEqual([0, 0]); // the second on a socket of its own
    } finally {
      client.close();
    }
  });

  it('never takes bytes the daemon sent unasked for the answer to the next block', async () => {
    // After answering, this daemon sends a second, unsolicited answer on the same socket ("duplicate"). Read on the
    // kept socket, it would become the verdict on the next block.
    const d = await rawDaemon((req) => {
      if (d.requests.length === 1) {
        req.socket.write(answer(null));
        setTimeout(() => req.socket.write(answer('duplicate')), 20);
      } else req.socket.write(answer(null));
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      expect(await client.submitBlock('00')).toBeNull();
      // Once the client has read the unsolicited bytes it closes that socket (or, failing the test, a second passes).
      const [first] = d.sockets;
      await Promise.race([new Promise((r) => first?.once('close', r)), new Promise((r) => setTimeout(r, 1_000))]);
      expect(await client.submitBlock('01')).toBeNull();
      // The socket that spoke out of turn was dropped: whatever it sends later cannot meet a request.
      expect(d.requests.map((r) => r.index)).toEqual([0, 0]);
    } finally {
      client.close();
    }
  });

  it('never reuses a socket whose answer came with bytes after it', async () => {
    const d = await rawDaemon((req) => {
      req.socket.write(d.requests.length === 1 ? `${answer(null)}${answer('duplicate')}` : answer(null));
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      expect(await client.submitBlock('00')).toBeNull();
      expect(await client.submitBlock('01')).toBeNull();
      expect(d.requests.map((r) => r.index)).toEqual([0, 0]);
    } finally {
      client.close();
    }
  });

  it('reads chunked answers and keeps the socket; an answer framed by the close is read and the socket dropped', async () => {
    const d = await rawDaemon((req) => {
      const body = JSON.stringify({ result: req.index === 0 ? 'inconclusive' : null, error: null, id: 1 });
      if (d.requests.length <= 2) {
        const half = body.length >> 1;
        req.socket.write(
          `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${half.toString(16)}\r\n${body.slice(0, half)}\r\n`,
        );
        setTimeout(
          () => req.socket.write(`${(body.length - half).toString(16)}\r\n${body.slice(half)}\r\n0\r\n\r\n`),
          5,
        );
      } else req.socket.end(`HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${body}`);
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      expect(await client.submitBlock('00')).toBe('inconclusive');
      expect(await client.submitBlock('01')).toBeNull();
      expect(await client.submitBlock('02')).toBeNull();
      expect(await client.submitBlock('03')).toBe('inconclusive');
      expect(d.requests.map((r) => r.index)).toEqual([0, 1, 2, 0]);
    } finally {
      client.close();
    }
  });

  it('says the daemon closed the connection when a new socket is closed unanswered (not sent again)', async () => {
    const d = await rawDaemon((req) => req.socket.destroy());
    const client = new DaemonClient({ url: d.url, user: 'u', password: 'p' });
    try {
      const err = await failure(client.submitBlock('00'));
      expect(err.message).toMatch(/submitblock on .*: connection closed by the daemon/);
      expect(d.requests).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  it('keeps the password out of a failure, even when the answer echoes it in a header', async () => {
    const password = 'correct-horse-battery';
    const d = await rawDaemon((req) => {
      const auth = /\r\nAuthorization: (.*)/.exec(req.head)?.[1] ?? '';
      req.socket.write(`HTTP/1.1 200 OK\r\nX-Echo: ${auth} ${password}\r\nContent-Length: x${password}\r\n\r\n`);
    });
    const client = new DaemonClient({ url: d.url, user: 'u', password });
    try {
      const err = await failure(client.submitBlock('00'));
      expect(err.message).toMatch(/malformed HTTP answer/);
      expect(err.message).not.toContain(password);
      expect(err.message).not.toContain(Buffer.from(`u:${password}`).toString('base64'));
    } finally {
      client.close();
    }
  });
});

describe('KeptConnection', () => {
  it('queues requests beyond maxSockets and sends them in turn on the freed socket', async () => {
    const d = await rawDaemon((req) => setTimeout(() => req.socket.write(answer(req.body)), 10));
    const kept = new KeptConnection(d.url, { authorization: 'Basic eDp5', idleMs: 5_000, maxSockets: 1 });
    try {
      const deadline = performance.now() + 5_000;
      const answers = await Promise.all(['"a"', '"b"', '"c"'].map((b) => kept.post(b, deadline)));
      expect(answers.map((a) => JSON.parse(a.text).result)).toEqual(['"a"', '"b"', '"c"']);
      expect(d.requests.map((r) => r.index)).toEqual([0, 1, 2]);
      expect(d.sockets.size).toBe(1);
    } finally {
      kept.close();
    }
  });

  it('fails a request at its deadline or when its signal aborts, and a waiting one with it', async () => {
    const d = await rawDaemon(() => {}); // never answers
    const kept = new KeptConnection(d.url, { authorization: 'Basic eDp5', idleMs: 5_000, maxSockets: 1 });
    try {
      const late = kept.post('{}', performance.now() + 50);
      const controller = new AbortController();
      const waiting = kept.post('{}', performance.now() + 5_000, controller.signal);
      await expect(late).rejects.toMatchObject({ name: 'TimeoutError' });
      controller.abort(new Error('pool stopping'));
      await expect(waiting).rejects.toThrow('pool stopping');
    } finally {
      kept.close();
    }
  });

  it('closes an idle socket after idleMs and fails a request out when closed', async () => {
    const d = await rawDaemon((req) => {
      if (d.requests.length === 1) req.socket.write(answer(1));
    });
    const kept = new KeptConnection(d.url, { authorization: 'Basic eDp5', idleMs: 50, maxSockets: 2 });
    const [socket] = await kept.post('{}', performance.now() + 1_000).then(() => [...d.sockets]);
    await new Promise((r) => socket?.once('close', r)); // the idle timer closed it
    const out = kept.post('{}', performance.now() + 5_000);
    while (d.requests.length < 2) await new Promise((r) => setTimeout(r, 5));
    kept.close();
    await expect(out).rejects.toThrow('the connection was closed');
  });
});
