import { SmtpMailer } from '../../adapters/mail/smtp-mailer.js';
import { type MailSink, startMailSink } from '../../local/mail-sink.js';

export { linksIn, type MailSink, type ReceivedMail, startMailSink } from '../../local/mail-sink.js';

/** A mail sink and an SMTP mailer that delivers to it (as local mode wires them); `stop` ends both. */
export async function startSinkAndMailer(from = 'pool@edgepool.localhost'): Promise<{
  sink: MailSink;
  mailer: SmtpMailer;
  stop(): Promise<void>;
}> {
  const sink = await startMailSink();
  const mailer = new SmtpMailer({ host: sink.host, port: sink.port, from });
  return {
    sink,
    mailer,
    async stop() {
      mailer.close();
      await sink.stop();
    },
  };
}
