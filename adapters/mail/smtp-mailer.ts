import nodemailer, { type Transporter } from 'nodemailer';
import type { Mail, Mailer } from '../../core/ports/mailer.js';
import { MailDeliveryError } from './mail-errors.js';

export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** The sender (config accounts.mailFrom). */
  from: string;
  /** SMTP over TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
}

/**
 * The Mailer over SMTP (nodemailer): local mode, where it delivers to the mail sink (local/mail-sink.ts), or any
 * SMTP relay an operator points it at.
 */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(private readonly opts: SmtpMailerOptions) {
    this.transport = nodemailer.createTransport({
      host: opts.host,
      port: opts.port,
      secure: opts.secure ?? false,
      auth: opts.auth,
      // A mail is part of a request (a sign-up, a money change): fail it rather than hang on a dead relay.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(mail: Mail): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.opts.from, to: mail.to, subject: mail.subject, text: mail.text });
    } catch (err) {
      throw new MailDeliveryError(mail.to, err);
    }
  }

  close(): void {
    this.transport.close();
  }
}
