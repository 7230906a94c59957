import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Telegram Bot API server (https://core.telegram.org/bots/api) on 127.0.0.1, as grammy calls it:
 * `POST <apiRoot>/bot<token>/<method>` with a JSON body, answered `{ok: true, result}` or
 * `{ok: false, error_code, description}`. It serves getMe, sendMessage (recorded), getUpdates (long polling over the
 * updates a test queues), setWebhook/deleteWebhook (recorded), and refuses a wrong token with 401 as Telegram does.
 */
export interface SentMessage {
  chatId: string;
  text: string;
}

export interface FakeTelegram {
  apiRoot: string;
  token: string;
  sent: SentMessage[];
  webhook: { url?: string; secretToken?: string };
  /** Every method called, in order. */
  calls: string[];
  /** The next `n` sendMessage calls fail with this HTTP status (429, 403, 500…). */
  failSends(status: number, n?: number): void;
  /** Queues a private-chat text message for getUpdates; returns the Update. */
  pushMessage(chatId: number, text: string): TelegramUpdate;
  /** A private-chat text message as an Update (for the webhook route), without queueing it. */
  update(chatId: number, text: string): TelegramUpdate;
  waitForSent(predicate: (m: SentMessage) => boolean, timeoutMs?: number): Promise<SentMessage>;
  stop(): Promise<void>;
}

export type TelegramUpdate = {
  update_id: number;
  message: {
    message_id: number;
    date: number;
    chat: { id: number; type: 'private'; first_name: string };
    from: { id: number; is_bot: false; first_name: string };
    text: string;
    entities?: Array<{ type: 'bot_command'; offset: number; length: number }>;
  };
};

export const FAKE_BOT = { id: 4242, is_bot: true, first_name: 'Edgepool', username: 'edgepool_test_bot' } as const;

export async function startFakeTelegram(token = '123456:TEST-token'): Promise<FakeTelegram> {
  const sent: SentMessage[] = [];
  const calls: string[] = [];
  const webhook: FakeTelegram['webhook'] = {};
  const queue: TelegramUpdate[] = [];
  const waiters = new Set<() => void>();
  let failures: { status: number; left: number } | undefined;
  let nextUpdate = 1;
  let nextMessage = 1;

  const update = (chatId: number, text: string): TelegramUpdate => {
    const command = /^\/\w+/.exec(text);
    return {
      update_id: nextUpdate++,
      message: {
        message_id: nextMessage++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: chatId, type: 'private', first_name: 'Miner' },
        from: { id: chatId, is_bot: false, first_name: 'Miner' },
        text,
        ...(command ? { entities: [{ type: 'bot_command' as const, offset: 0, length: command[0].length }] } : {}),
      },
    };
  };
  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const server: Server = createServer(async (req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== token) return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2]!;
    calls.push(method);
    const params = await readJson(req);
    switch (method) {
      case 'getMe':
        return answer(200, {
          ok: true,
          result: {
            ...FAKE_BOT,
            can_join_groups: true,
            can_read_all_group_messages: false,
            supports_inline_queries: false,
          },
        });
      case 'sendMessage': {
        if (failures && failures.left > 0) {
          failures.left--;
          return answer(failures.status, {
            ok: false,
            error_code: failures.status,
            description: `fake failure ${failures.status}`,
            ...(failures.status === 429 ? { parameters: { retry_after: 1 } } : {}),
          });
        }
        const msg = { chatId: String(params.chat_id), text: String(params.text) };
        sent.push(msg);
        wake();
        return answer(200, {
          ok: true,
          result: {
            message_id: nextMessage++,
            date: Math.floor(Date.now() / 1000),
            chat: { id: Number(params.chat_id), type: 'private', first_name: 'Miner' },
            text: msg.text,
          },
        });
      }
      case 'getUpdates': {
        const offset = Number(params.offset ?? 0);
        while (queue.length > 0 && queue[0]!.update_id < offset) queue.shift();
        if (queue.length === 0) {
          // Long polling, shortened: at most 500 ms, so a test's stop() is never held up.
          await new Promise<void>((resolve) => {
            const done = () => {
              waiters.delete(done);
              resolve();
            };
            waiters.add(done);
            setTimeout(done, Math.min(500, Number(params.timeout ?? 0) * 1000));
          });
        }
        return answer(200, { ok: true, result: queue.filter((u) => u.update_id >= offset) });
      }
      case 'setWebhook':
        webhook.url = String(params.url);
        webhook.secretToken = params.secret_token === undefined ? undefined : String(params.secret_token);
        return answer(200, { ok: true, result: true });
      case 'deleteWebhook':
        webhook.url = undefined;
        return answer(200, { ok: true, result: true });
      default:
        return answer(404, { ok: false, error_code: 404, description: `Not Found: method ${method}` });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    sent,
    webhook,
    calls,
    failSends(status, n = 1) {
      failures = { status, left: n };
    },
    pushMessage(chatId, text) {
      const u = update(chatId, text);
      queue.push(u);
      wake();
      return u;
    },
    update,
    async waitForSent(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = sent.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching Telegram message; sent: ${JSON.stringify(sent)}`);
        await new Promise<void>((resolve) => {
          const done = () => {
            waiters.delete(done);
            resolve();
          };
          waiters.add(done);
          setTimeout(done, 100);
        });
      }
    },
    async stop() {
      wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  return (req.headers['content-type'] ?? '').includes('json')
    ? JSON.parse(text)
    : Object.fromEntries(new URLSearchParams(text));
}
