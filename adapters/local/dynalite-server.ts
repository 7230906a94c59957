import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface DynaliteServer {
  /** http://127.0.0.1:<port>, for a DynamoDBClient's `endpoint`. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite in-process on loopback with an ephemeral port: the local pool's DynamoDB, and the tests'.
 * Tables become ACTIVE at once (dynalite's default pretends a 500 ms creation).
 */
export async function startDynalite(opts: { path?: string } = {}): Promise<DynaliteServer> {
  const server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
