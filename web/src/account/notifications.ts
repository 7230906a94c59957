import { NOTIFICATION_EVENTS } from '../../../core/accounts/types.js';
import { actionButton, field, h, say, status, table } from '../dom.js';
import { accountApi, type Json } from './api.js';
import { onSubmit } from './auth-pages.js';

const EVENT_NAMES: Record<(typeof NOTIFICATION_EVENTS)[number], string> = {
  'worker-offline': 'A worker goes offline',
  'hashrate-drop': 'Hashrate drops below its 24 h average',
  'block-found-pool': 'The pool finds a block',
  'block-found-mine': 'One of my addresses finds a block',
  'payout-sent': 'A payout is sent',
  'payout-address-changed': 'A payout address changes',
};

/**
 * Notification settings (app/notify/routes.ts): which event goes to which channel (the channels this pool can send
 * on), the thresholds, quiet hours, the webhook (its signing secret shown once), the Telegram link code, and a test
 * button that sends one message on every channel the account has set up.
 */
export function notificationsSection(answer: Json): HTMLElement {
  const section = h('section', { 'data-testid': 'notifications' }, h('h2', {}, 'Notifications'));
  if (answer.unavailable) {
    section.append(h('p', {}, `Not available here: ${answer.unavailable}`));
    return section;
  }
  const s = answer;
  const events: Json = s.events ?? {};
  const channels = (s.available?.channels ?? []) as string[];
  const rows = NOTIFICATION_EVENTS.map((e) =>
    h(
      'tr',
      {},
      h('td', {}, EVENT_NAMES[e]),
      ...channels.map((c) =>
        h(
          'td',
          {},
          h('input', {
            type: 'checkbox',
            name: `${e}:${c}`,
            'aria-label': `${EVENT_NAMES[e]} by ${c}`,
            checked: ((events[e] as string[] | undefined) ?? []).includes(c),
          }),
        ),
      ),
    ),
  );
  const quiet = s.quietHours as { from: number; to: number } | null;
  const out = status('notifications-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'notifications-form' },
    table('notification-events', ['Event', ...channels], rows, ''),
    field(
      'Worker offline after (minutes, 5 or more)',
      h('input', { name: 'workerOfflineMinutes', type: 'number', min: 5, max: 1440, value: s.workerOfflineMinutes }),
    ),
    field(
      'Hashrate below (% of its 24 h average)',
      h('input', { name: 'hashrateDropPercent', type: 'number', min: 1, max: 99, value: s.hashrateDropPercent }),
    ),
    field(
      'Quiet hours from (UTC hour; empty: none)',
      h('input', { name: 'quietFrom', type: 'number', min: 0, max: 23, value: quiet?.from ?? '' }),
    ),
    field(
      'Quiet hours until (UTC hour)',
      h('input', { name: 'quietTo', type: 'number', min: 0, max: 23, value: quiet?.to ?? '' }),
    ),
    channels.includes('webhook')
      ? field(
          'Webhook URL (JSON POST signed with HMAC-SHA256; empty: none)',
          h('input', { name: 'webhookUrl', type: 'url', value: s.webhook?.url ?? '' }),
        )
      : null,
    h('button', { type: 'submit' }, 'Save'),
    out,
  );
  onSubmit(form, out, async (v) => {
    const data = new FormData(form);
    const chosen: Record<string, string[]> = {};
    for (const e of NOTIFICATION_EVENTS) {
      const on = channels.filter((c) => data.get(`${e}:${c}`) !== null);
      if (on.length > 0) chosen[e] = on;
    }
    // An emptied webhook field removes the webhook; a field that was never there leaves it as it is.
    const webhook = v.webhookUrl ? { url: v.webhookUrl } : s.webhook && v.webhookUrl === '' ? null : undefined;
    const r = await accountApi.saveNotifications({
      events: chosen,
      workerOfflineMinutes: Number(v.workerOfflineMinutes),
      hashrateDropPercent: Number(v.hashrateDropPercent),
      quietHours: v.quietFrom && v.quietTo ? { from: Number(v.quietFrom), to: Number(v.quietTo) } : null,
      ...(webhook === undefined ? {} : { webhook }),
    });
    s.webhook = r.webhook;
    // A new webhook's signing secret comes back this once: the receiver needs it to check signatures.
    if (r.webhookSecret) {
      out.replaceChildren(
        'Saved. Your webhook secret (shown once): ',
        h('code', { 'data-testid': 'webhook-secret' }, r.webhookSecret),
      );
    } else say(out, 'Saved.');
  });
  section.append(form, testButton());
  if (channels.includes('telegram')) section.append(telegram(s.telegram));
  return section;
}

function testButton(): HTMLElement {
  const out = status('notifications-test-status');
  const button = actionButton(
    'Send a test message',
    'notifications-test',
    async () => {
      const { results } = (await accountApi.testNotifications()) as {
        results: Array<{ channel: string; ok: boolean; error?: string }>;
      };
      const lines = results.map((r) => (r.ok ? `${r.channel}: sent` : `${r.channel}: failed (${r.error ?? 'error'})`));
      say(out, lines.length > 0 ? lines.join('; ') : 'No channel set up yet: nothing to send.');
    },
    out,
  );
  return h('p', {}, button, out);
}

/** The one-time code the Telegram bot's `/start <code>` takes to link a chat to this account. */
function telegram(t: { linked: boolean; bot: string | null }): HTMLElement {
  const linked = t.linked ? h('p', { 'data-testid': 'telegram-linked' }, 'A Telegram chat is linked.') : null;
  const out = status('telegram-status');
  const button = actionButton(
    'Link a Telegram chat',
    'telegram-link',
    async () => {
      const r = await accountApi.telegramLink();
      // The bot's own t.me link, nothing else (the answer's link becomes an href).
      const to =
        typeof r.link === 'string' && r.link.startsWith('https://t.me/')
          ? h('a', { href: r.link, rel: 'noopener noreferrer', target: '_blank' }, t.bot ? `@${t.bot}` : 'the bot')
          : 'the pool’s bot';
      out.replaceChildren(
        'Send ',
        h('code', { 'data-testid': 'telegram-code' }, `/start ${r.code}`),
        ' to ',
        to,
        ' (the code works once, for 15 minutes).',
      );
    },
    out,
  );
  return h('div', {}, h('h3', {}, 'Telegram'), linked, button, out);
}
