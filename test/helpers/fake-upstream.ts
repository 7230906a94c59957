import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { buildCoinbase } from '../../core/chain/coinbase.js';

/**
 * A small upstream pool speaking Stratum V1 over TCP or TLS, scripted by the test: it answers subscribe, configure,
 * extranonce.subscribe and authorize, then sends set_difficulty and a notify (a real coinbase at `height`), and
 * records every submit. `onAuthorized` replaces what it sends after authorize (a hostile upstream's lines).
 */
export interface FakeUpstreamOptions {
  extranonce1?: string;
  extranonce2Size?: number;
  /** BIP310: the mask it grants (hex), or null to refuse mining.configure. */
  versionMask?: string | null;
  difficulty?: number;
  /** Answers every submit with this (default true). */
  submitResult?: () => unknown;
  tls?: { key: string | Buffer; cert: string | Buffer };
  onAuthorized?: (client: FakeUpstreamClient) => void;
}

export interface FakeUpstreamClient {
  socket: Socket;
  /** Sends one JSON-RPC message as a line. */
  send(message: unknown): void;
  /** Sends raw text (no newline added). */
  sendRaw(text: string): void;
}

export interface FakeUpstream {
  url: string;
  port: number;
  /** Connections accepted so far. */
  connections: number;
  clients: FakeUpstreamClient[];
  /** Every mining.submit's params, in order. */
  submits: unknown[][];
  close(): Promise<void>;
}

/** A notify's params for a coinbase at `height` (the upstream's extranonce sizes), in stratum wire order. */
export function upstreamNotifyParams(
  o: { jobId?: string; height?: number; extranonce1Size?: number; extranonce2Size?: number; clean?: boolean } = {},
): unknown[] {
  const parts = buildCoinbase({
    height: o.height ?? 500,
    outputs: [{ value: 1n, script: Buffer.from('51', 'hex') }],
    tag: Buffer.from('/fake-upstream/'),
    extranonce1Size: o.extranonce1Size ?? 4,
    extranonce2Size: o.extranonce2Size ?? 8,
  });
  return [
    o.jobId ?? 'j1',
    '11'.repeat(32),
    parts.coinb1.toString('hex'),
    parts.coinb2.toString('hex'),
    [],
    '20000000',
    '207fffff',
    '6553f100',
    o.clean ?? true,
  ];
}

export async function startFakeUpstream(o: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const extranonce1 = o.extranonce1 ?? 'e1e1e1e1';
  const extranonce2Size = o.extranonce2Size ?? 8;
  const state: FakeUpstream = {
    url: '',
    port: 0,
    connections: 0,
    clients: [],
    submits: [],
    close: async () => {},
  };
  const onSocket = (socket: Socket) => {
    state.connections++;
    const client: FakeUpstreamClient = {
      socket,
      send: (m) => socket.writable && socket.write(`${JSON.stringify(m)}\n`),
      sendRaw: (t) => socket.writable && socket.write(t),
    };
    state.clients.push(client);
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const { id, method, params } = JSON.parse(line) as { id: number; method: string; params: unknown[] };
        switch (method) {
          case 'mining.subscribe':
            client.send({ id, result: [[['mining.notify', 'sub']], extranonce1, extranonce2Size], error: null });
            break;
          case 'mining.configure':
            if (o.versionMask === null) client.send({ id, result: null, error: [20, 'unknown method', null] });
            else
              client.send({
                id,
                result: { 'version-rolling': true, 'version-rolling.mask': o.versionMask ?? '1fffe000' },
                error: null,
              });
            break;
          case 'mining.authorize':
            client.send({ id, result: true, error: null });
            if (o.onAuthorized) o.onAuthorized(client);
            else {
              client.send({ id: null, method: 'mining.set_difficulty', params: [o.difficulty ?? 0.01] });
              client.send({
                id: null,
                method: 'mining.notify',
                params: upstreamNotifyParams({ extranonce1Size: extranonce1.length / 2, extranonce2Size }),
              });
            }
            break;
          case 'mining.submit':
            state.submits.push(params);
            client.send({ id, result: o.submitResult ? o.submitResult() : true, error: null });
            break;
          default:
            client.send({ id, result: true, error: null });
        }
      }
    });
  };
  const server: Server = o.tls
    ? createTlsServer({ key: o.tls.key, cert: o.tls.cert }, onSocket)
    : createTcpServer(onSocket);
  // A TLS handshake the client refuses (an unknown CA) is no connection of a miner's: not counted, not an error.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as { port: number }).port;
  state.url = `stratum+${o.tls ? 'ssl' : 'tcp'}://127.0.0.1:${state.port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const c of state.clients) c.socket.destroy();
      server.close(() => resolve());
    });
  return state;
}
