import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Mail, Mailer } from '../../core/ports/mailer.js';
import { MailDeliveryError } from '../mail/mail-errors.js';

/**
 * The Mailer on Amazon SES (v2 SendEmail): plain-text mails from `from` (config accounts.mailFrom, an identity SES
 * has verified). A refusal (unverified identity, sandbox recipient, throttling) fails the send with an error that
 * names the recipient's domain only.
 */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
  ) {}

  async send(mail: Mail): Promise<void> {
    try {
      await this.client.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [mail.to] },
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
            },
          },
        }),
      );
    } catch (err) {
      throw new MailDeliveryError(mail.to, err);
    }
  }
}
