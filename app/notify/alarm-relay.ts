import type { TelegramSender } from '../../core/ports/notify.js';

/**
 * Operators' workload alerts (issue 19): the CloudWatch alarms notify an SNS topic, whose email subscribers get
 * them from SNS and whose relay Lambda (lambdas/alarm-relay) hands each to the operators' Telegram chat through this.
 */
export interface AlarmRecord {
  subject?: string | null;
  message: string;
}

/** A CloudWatch alarm notification (JSON) as one readable line, or the SNS message as it is. */
export function alarmText(r: AlarmRecord): string {
  try {
    const a = JSON.parse(r.message) as Record<string, unknown>;
    if (typeof a.AlarmName === 'string' && typeof a.NewStateValue === 'string') {
      const icon = a.NewStateValue === 'ALARM' ? '🔴' : a.NewStateValue === 'OK' ? '🟢' : '⚪';
      const reason = typeof a.NewStateReason === 'string' ? `\n${a.NewStateReason}` : '';
      const at = typeof a.StateChangeTime === 'string' ? `\n${a.StateChangeTime}` : '';
      return `${icon} ${a.NewStateValue}: ${a.AlarmName}${reason}${at}`;
    }
  } catch {
    // not JSON: a plain message
  }
  return r.subject ? `${r.subject}\n${r.message}` : r.message;
}

/**
 * Sends every record to the chat. A failure that may pass (429, 5xx, network) throws, so that SNS/Lambda retry the
 * event; a permanent one (chat gone, bot blocked) is reported and the rest still go out.
 */
export async function relayAlarms(
  records: readonly AlarmRecord[],
  deps: { telegram: TelegramSender; chatId: string },
): Promise<{ sent: number; refused: string[] }> {
  let sent = 0;
  const refused: string[] = [];
  for (const r of records) {
    const out = await deps.telegram.sendMessage(deps.chatId, alarmText(r).slice(0, 4000));
    if (out.ok) sent++;
    else if (out.permanent) refused.push(out.error);
    else throw new Error(`alarm relay: ${out.error}`);
  }
  return { sent, refused };
}
