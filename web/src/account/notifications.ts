import { NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS } from '../../../core/accounts/types.js';
import { actionButton, field, h, say, status } from '../dom.js';
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
 * Notification settings (app/notify/routes.ts): which event goes to which channel, the thresholds, quiet hours, the
 * webhook, the Telegram link code, and a test button that sends one message on every configured channel.
 */
export function notificationsSection(answer: Json): HTMLElement {
  const section = h('section', { 'data-testid': 'notifications' }, h('h2', {}, 'Notifications'));
  if (answer.unavailable) {
    section.append(h('p', {}, `Not available here: ${answer.unavailable}`));
    return section;
  }
  const s: Json = answer.settings ?? answer;
  const events: Json = s.events ?? {};
  const grid = h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Event'), ...NOTIFICATION_CHANNELS.map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        ...NOTIFICATION_EVENTS.map((e) =>
          h(
            'tr',
            {},
            h('td', {}, EVENT_NAMES[e]),
            ...NOTIFICATION_CHANNELS.map((c) =>
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
        ),
      ),
    ),
  );
  const quiet = s.quietHours as { from: number; to: number } | undefined;
  const out = status('notifications-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'notifications-form' },
    grid,
    field(
      'Worker offline after (minutes)',
      h('input', { name: 'workerOfflineMinutes', type: 'number', min: 1, value: s.workerOfflineMinutes ?? 15 }),
    ),
    field(
      'Hashrate below (% of its 24 h average)',
      h('input', { name: 'hashrateDropPercent', type: 'number', min: 1, max: 100, value: s.hashrateDropPercent ?? 50 }),
    ),
    field(
      'Quiet hours from (UTC hour, empty: none)',
      h('input', { name: 'quietFrom', type: 'number', min: 0, max: 23, value: quiet?.from ?? '' }),
    ),
    field(
      'Quiet hours until (UTC hour)',
      h('input', { name: 'quietTo', type: 'number', min: 0, max: 23, value: quiet?.to ?? '' }),
    ),
    field(
      'Webhook URL (JSON POST signed with HMAC-SHA256; empty: none)',
      h('input', { name: 'webhookUrl', type: 'url', value: s.webhook?.url ?? '' }),
    ),
    h('button', { type: 'submit' }, 'Save'),
    out,
  );
  onSubmit(form, out, async (v) => {
    const data = new FormData(form);
    const chosen: Record<string, string[]> = {};
    for (const e of NOTIFICATION_EVENTS) {
      const channels = NOTIFICATION_CHANNELS.filter((c) => data.get(`${e}:${c}`) !== null);
      if (channels.length > 0) chosen[e] = channels;
    }
    const r = await accountApi.saveNotifications({
      events: chosen,
      workerOfflineMinutes: Number(v.workerOfflineMinutes),
      hashrateDropPercent: Number(v.hashrateDropPercent),
      ...(v.quietFrom !== '' && v.quietTo !== ''
        ? { quietHours: { from: Number(v.quietFrom), to: Number(v.quietTo) } }
        : {}),
      ...(v.webhookUrl ? { webhook: { url: v.webhookUrl } } : {}),
    });
    // A new webhook's signing secret comes back this once.
    const secret = r.webhookSecret ?? r.settings?.webhook?.secret;
    say(out, secret ? `Saved. Your webhook secret (shown once): ${secret}` : 'Saved.');
  });
  section.append(form, testButton(), telegram(s, answer.telegramBot));
  return section;
}

function testButton(): HTMLElement {
  const out = status('notifications-test-status');
  const button = actionButton('Send a test message', 'notifications-test', out, async () => {
    const r = await accountApi.testNotifications();
    const sent = (r.sent ?? r.channels) as string[] | undefined;
    say(out, sent && sent.length > 0 ? `Sent by ${sent.join(', ')}.` : 'Sent.');
  });
  return h('p', {}, button, out);
}

/** The one-time code the Telegram bot's `/start <code>` takes to link a chat to this account. */
function telegram(s: Json, bot: string | undefined): HTMLElement {
  const linked = s.telegramChatId ? h('p', { 'data-testid': 'telegram-linked' }, 'A Telegram chat is linked.') : null;
  const out = status('telegram-status');
  const button = actionButton('Link a Telegram chat', 'telegram-link', out, async () => {
    const r = await accountApi.telegramLink();
    const name = r.bot ?? bot;
    const to = name
      ? h(
          'a',
          {
            href: `https://t.me/${encodeURIComponent(name)}?start=${encodeURIComponent(r.code)}`,
            rel: 'noopener noreferrer',
            target: '_blank',
          },
          `@${name}`,
        )
      : 'the pool’s bot';
    out.replaceChildren(
      'Send ',
      h('code', { 'data-testid': 'telegram-code' }, `/start ${r.code}`),
      ' to ',
      to,
      ' (the code works once).',
    );
  });
  return h('div', {}, h('h3', {}, 'Telegram'), linked, button, out);
}
