import { describe, expect, it } from 'vitest';
import { SmtpMailer } from '../../adapters/mail/smtp-mailer.js';
import { describeMail, linksIn, maskAddress, startMailSink } from '../../local/mail-sink.js';

describe('local mail sink', () => {
  it('prints one line per mail with its links and the recipient masked', async () => {
    const lines: string[] = [];
    const sink = await startMailSink({ onMail: (m) => lines.push(describeMail(m)) });
    const mailer = new SmtpMailer({ host: sink.host, port: sink.port, from: 'pool@edgepool.localhost' });
    try {
      await mailer.send({
        to: 'alice@example.com',
        subject: 'Confirm the threshold change',
        text: 'Confirm: http://127.0.0.1:8080/account/changes/confirm?token=abc (30 minutes).',
      });
      await sink.waitFor('alice@example.com');
      expect(lines).toEqual([
        'mail to a***@example.com: "Confirm the threshold change" http://127.0.0.1:8080/account/changes/confirm?token=abc',
      ]);
    } finally {
      mailer.close();
      await sink.stop();
    }
  });

  it('finds http(s) links in text, without trailing punctuation of the sentence', () => {
    expect(linksIn('see (https://a.example/x?y=1) and http://b.example/z.')).toEqual([
      'https://a.example/x?y=1',
      'http://b.example/z',
    ]);
    expect(maskAddress('not-an-address')).toBe('***');
  });
});
