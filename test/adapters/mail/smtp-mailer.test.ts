import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailDeliveryError } from '../../../adapters/mail/mail-errors.js';
import { SmtpMailer } from '../../../adapters/mail/smtp-mailer.js';
import { startSinkAndMailer } from '../../helpers/mail-sink.js';

describe('SmtpMailer', () => {
  let env: Awaited<ReturnType<typeof startSinkAndMailer>>;
  beforeAll(async () => {
    env = await startSinkAndMailer('pool@edgepool.test');
  });
  afterAll(() => env.stop());

  it('delivers the subject, the text and the recipient, read back through mailparser', async () => {
    const text = 'Follow https://pool.example/confirm?t=abc123 within 48 hours.\nThe pool';
    await env.mailer.send({ to: 'Miner@Example.com', subject: 'Confirm your email', text });
    const mail = await env.sink.waitFor('miner@example.com', (m) => m.subject === 'Confirm your email');
    expect(mail.to).toEqual(['miner@example.com']);
    expect(mail.from).toBe('pool@edgepool.test');
    expect(mail.text.trim()).toBe(text);
    expect(mail.links).toEqual(['https://pool.example/confirm?t=abc123']);
  });

  it('keeps mails to different recipients apart', async () => {
    await env.mailer.send({ to: 'one@example.com', subject: 'first', text: 'a' });
    await env.mailer.send({ to: 'two@example.com', subject: 'second', text: 'b' });
    expect((await env.sink.waitFor('two@example.com')).subject).toBe('second');
    expect((await env.sink.waitFor('one@example.com')).subject).toBe('first');
    expect(env.sink.mails().map((m) => m.subject)).toEqual(expect.arrayContaining(['first', 'second']));
  });

  it('waits for a mail that has not arrived yet, and gives up after the timeout', async () => {
    const later = env.sink.waitFor('late@example.com', (m) => m.subject === 'late', 5_000);
    await env.mailer.send({ to: 'late@example.com', subject: 'late', text: 'c' });
    expect((await later).subject).toBe('late');
    await expect(env.sink.waitFor('nobody@example.com', () => true, 50)).rejects.toThrow(
      /no mail to nobody@example.com/,
    );
  });

  it('a relay that is down fails the send with an error naming the domain only', async () => {
    const closed = await unusedPort();
    const mailer = new SmtpMailer({ host: '127.0.0.1', port: closed, from: 'pool@edgepool.test' });
    const err = await mailer.send({ to: 'alice.secret@miners.example', subject: 's', text: 't' }).catch((e) => e);
    mailer.close();
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect(err.message).toContain('miners.example');
    expect(err.message).toContain('ESOCKET');
    expect(JSON.stringify({ message: err.message, stack: err.stack, cause: err.cause })).not.toContain('alice.secret');
  });

  it('a refused recipient fails the send without the address the relay quoted back', async () => {
    // A relay's refusal quotes the address ("550 <alice.secret@…> unknown"): nodemailer's error carries it on.
    const relay = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        callback(Object.assign(new Error(`<${address.address}> mailbox unavailable`), { responseCode: 550 }));
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const { port } = relay.server.address() as { port: number };
    const mailer = new SmtpMailer({ host: '127.0.0.1', port, from: 'pool@edgepool.test' });
    const err = await mailer.send({ to: 'alice.secret@miners.example', subject: 's', text: 't' }).catch((e) => e);
    mailer.close();
    await new Promise<void>((resolve) => relay.close(() => resolve()));
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect(err.message).toBe('sending a mail to a recipient at miners.example failed: EENVELOPE');
    expect(JSON.stringify({ message: err.message, stack: err.stack, cause: err.cause })).not.toContain('alice.secret');
  });
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
