import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { ConfigError } from '../../../core/errors.js';
import type { Logger } from '../../../core/ports/logger.js';
import { ProxyProtocolError, parseProxyV2 } from './proxy-protocol.js';
import type { StratumServer } from './server.js';

export interface ListenOptions {
  host: string;
  port: number;
  /** stratum+ssl: PEM files. */
  tls?: { certFile: string; keyFile: string };
  /** Expect a PROXY protocol v2 header first (behind an NLB). */
  proxyProtocol: boolean;
  /** Below the NLB idle timeout (350 s), so idle-but-alive miners are not cut. */
  keepAliveSeconds: number;
  /** How long a client may take to send the PROXY header. */
  headerTimeoutMs?: number;
  log: Pick<Logger, 'warn'>;
}

export interface Listener {
  port: number;
  /** Stops accepting; existing connections are the StratumServer's to drain. */
  close(): Promise<void>;
}

/** The thin TCP/TLS layer in front of a transport-agnostic StratumServer. */
export async function listenStratum(server: StratumServer, o: ListenOptions): Promise<Listener> {
  const onSocket = (socket: Socket) => {
    socket.setKeepAlive(true, o.keepAliveSeconds * 1000);
    socket.setNoDelay(true);
    socket.on('error', () => {}); // errors surface as 'close'; the connection logs them
    if (!o.proxyProtocol) {
      server.handle(socket, { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 });
      return;
    }
    readProxyHeader(socket, o.headerTimeoutMs ?? 5000).then(
      (source) =>
        server.handle(socket, source ?? { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 }),
      (err: Error) => {
        o.log.warn(
          { ip: socket.remoteAddress, reason: err.message },
          'dropped connection without a valid PROXY header',
        );
        socket.destroy();
      },
    );
  };
  let net: Server;
  if (o.tls) {
    if (o.proxyProtocol)
      throw new ConfigError('PROXY protocol with a local TLS listener is not supported (the NLB terminates TLS)');
    net = createTlsServer({ cert: readFileSync(o.tls.certFile), key: readFileSync(o.tls.keyFile) }, onSocket);
  } else {
    net = createTcpServer(onSocket);
  }
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(o.port, o.host, () => {
      net.off('error', reject);
      resolve();
    });
  });
  const address = net.address();
  return {
    port: typeof address === 'object' && address ? address.port : o.port,
    close: () => new Promise((resolve) => net.close(() => resolve())),
  };
}

/** Reads the PROXY v2 header, then puts back whatever stratum bytes came with it. */
function readProxyHeader(socket: Socket, timeoutMs: number): Promise<{ address: string; port: number } | undefined> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new ProxyProtocolError('PROXY header timeout')), timeoutMs);
    const finish = (err?: Error, source?: { address: string; port: number }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(source);
    };
    const onClose = () => finish(new ProxyProtocolError('closed before the PROXY header'));
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const header = parseProxyV2(buf);
        if (!header) return;
        socket.pause();
        const rest = buf.subarray(header.length);
        finish(undefined, header.source);
        // Stays paused until the connection attaches its reader and resumes it, so no byte is emitted unheard.
        if (rest.length > 0) socket.unshift(rest);
      } catch (err) {
        finish(err as Error);
      }
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}
