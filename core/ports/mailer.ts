/** Outgoing email (issue 19): SES in AWS (adapters/aws/ses-mailer.ts), SMTP locally (a sink in tests). */
export interface Mail {
  to: string;
  subject: string;
  /** Plain text; links in it are absolute (config accounts.publicUrl). */
  text: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
}
