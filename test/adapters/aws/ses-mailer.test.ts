import { MessageRejected, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SesMailer } from '../../../adapters/aws/ses-mailer.js';
import { MailDeliveryError } from '../../../adapters/mail/mail-errors.js';

describe('SesMailer', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());

  it('sends one plain-text SendEmail from the configured sender to the recipient', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const mailer = new SesMailer(new SESv2Client({ region: 'eu-west-1' }), 'pool@edgepool.example');
    await mailer.send({ to: 'miner@example.com', subject: 'Confirm', text: 'https://pool.example/confirm?t=x' });
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      FromEmailAddress: 'pool@edgepool.example',
      Destination: { ToAddresses: ['miner@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Confirm', Charset: 'UTF-8' },
          Body: { Text: { Data: 'https://pool.example/confirm?t=x', Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('a refusal fails the send with an error that names the domain, never the address', async () => {
    // SES quotes the address in its refusals.
    ses.on(SendEmailCommand).rejects(
      new MessageRejected({
        message: 'Email address is not verified: alice.secret@miners.example',
        $metadata: {},
      }),
    );
    const mailer = new SesMailer(new SESv2Client({ region: 'eu-west-1' }), 'pool@edgepool.example');
    const err = await mailer.send({ to: 'alice.secret@miners.example', subject: 's', text: 't' }).catch((e) => e);
    expect(err).toBeInstanceOf(MailDeliveryError);
    expect(err.message).toBe('sending a mail to a recipient at miners.example failed: MessageRejected');
    expect(err.reason).toBe('MessageRejected');
    expect(JSON.stringify({ message: err.message, stack: err.stack, cause: err.cause })).not.toContain('alice.secret');
  });
});
