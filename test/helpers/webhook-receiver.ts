import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a webhook receiver got: its headers and raw body (what a signature is checked against). */
export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A webhook receiver on http://127.0.0.1 (local mode allows plain http there only): records every POST and answers
 * with the status `answer` gives (200 by default), so tests drive retries (503, 429) and refusals (400).
 */
export async function startWebhookReceiver(): Promise<{
  url: string;
  received: ReceivedHook[];
  answer: (status: number) => void;
  stop(): Promise<void>;
}> {
  const received: ReceivedHook[] = [];
  let status = 200;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answer: (s) => {
      status = s;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
