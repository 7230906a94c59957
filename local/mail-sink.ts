import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One mail the sink received, read back through mailparser (what a mail client would show). */
export interface ReceivedMail {
  /** The envelope recipients (RCPT TO), lower-cased. */
  to: string[];
  from: string;
  subject: string;
  text: string;
  /** The http(s) links in the text, in order (confirmation and money-change links). */
  links: string[];
  receivedAt: Date;
}

export interface MailSink {
  host: string;
  port: number;
  /** Every mail received so far, oldest first. */
  mails(): ReceivedMail[];
  /**
   * The first mail to `to` (case-insensitive) that `predicate` accepts, already received or arriving within
   * `timeoutMs`; rejects after that.
   */
  waitFor(to: string, predicate?: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  stop(): Promise<void>;
}

/** Mails larger than this are refused (the pool's mails are a few hundred bytes). */
const MAX_MAIL_BYTES = 1024 * 1024;

/**
 * An SMTP server on 127.0.0.1 (`port`, or a free one) that keeps every mail it receives in memory: local mode's and
 * the tests' stand-in for the mail the pool sends (adapters/mail/smtp-mailer.ts delivers to it). No TLS, no
 * authentication: it listens on loopback only. `onMail` is called for each mail (local mode prints its links there).
 */
export async function startMailSink(
  opts: { port?: number; onMail?: (mail: ReceivedMail) => void } = {},
): Promise<MailSink> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<{ accepts: (mail: ReceivedMail) => boolean; resolve: (mail: ReceivedMail) => void }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: MAX_MAIL_BYTES,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? '';
          const mail: ReceivedMail = {
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text,
            links: linksIn(text),
            receivedAt: new Date(),
          };
          received.push(mail);
          opts.onMail?.(mail);
          for (const w of waiters)
            if (w.accepts(mail)) {
              waiters.delete(w);
              w.resolve(mail);
            }
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    mails: () => [...received],
    waitFor(to, predicate = () => true, timeoutMs = 10_000) {
      const address = to.toLowerCase();
      const accepts = (mail: ReceivedMail) => mail.to.includes(address) && predicate(mail);
      const already = received.find(accepts);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = {
          accepts,
          resolve: (mail: ReceivedMail) => {
            clearTimeout(timer);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no mail to ${to} within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The http(s) links in a plain-text mail. */
export function linksIn(text: string): string[] {
  // A sentence's closing punctuation is not part of the link it ends with.
  return (text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? []).map((link) => link.replace(/[.,;:!?]+$/, ''));
}

/** One line for local mode's console: who (masked) got which mail, and its links to follow. */
export function describeMail(mail: ReceivedMail): string {
  const to = mail.to.map(maskAddress).join(', ');
  return `mail to ${to}: "${mail.subject}"${mail.links.length ? ` ${mail.links.join(' ')}` : ''}`;
}

/** `a***@example.com`: enough to tell mails apart on a console, without writing the address out. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '***' : `${address[0]}***${address.slice(at)}`;
}
