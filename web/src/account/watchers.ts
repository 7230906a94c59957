import { actionButton, field, h, status, table } from '../dom.js';
import { coins, hashrate, localTime } from '../format.js';
import { accountApi, type Json } from './api.js';
import { onSubmit } from './auth-pages.js';

/** Watcher links: read-only dashboards to share. A new link's URL is shown once (only its hash is kept). */
export function watchersSection(watchers: Json[], rerender: () => void): HTMLElement {
  const rows = watchers.map((w) => {
    const revoke = actionButton('Revoke', 'watcher-revoke', async () => {
      await accountApi.revokeWatcher(w.id);
      rerender();
    });
    return h(
      'tr',
      { 'data-testid': 'watcher-row' },
      h('td', { 'data-testid': 'watcher-label' }, w.label),
      h('td', {}, localTime(w.createdAt)),
      h('td', {}, w.revokedAt ? `revoked ${localTime(w.revokedAt)}` : revoke),
    );
  });
  const out = status('watcher-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'watcher-form' },
    field('Label (who you share it with)', h('input', { name: 'label', maxlength: 64, required: true })),
    h('button', { type: 'submit' }, 'Create a watcher link'),
    out,
  );
  onSubmit(form, out, async (v) => {
    const r = await accountApi.createWatcher(v.label!);
    // Shown once, outside the list the page rebuilds.
    out.replaceChildren(
      'Share this link (shown once; revoke it any time): ',
      h('code', { 'data-testid': 'watcher-url' }, r.url),
      ' ',
      h('button', { type: 'button', class: 'copy', 'data-copy': r.url }, 'Copy'),
    );
    form.reset();
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Watcher links'),
    table('watchers', ['Label', 'Created', ''], rows, 'No watcher links'),
    form,
  );
}

/** `#/watch/<token>`: what a watcher link shows, read-only: per coin the account's addresses, balances and workers. */
export async function watchPage(token: string, decimals: (coin: string) => number): Promise<HTMLElement> {
  const w = await accountApi.watch(token);
  const sections = (w.coins as Json[]).flatMap((c) =>
    (c.miners as Json[]).map((m) => {
      const d = decimals(c.coin);
      const workers = (m.workers as Json[]).map((k) =>
        h(
          'tr',
          { class: k.offline ? 'offline' : '', 'data-testid': 'watch-worker-row' },
          h('td', {}, k.name),
          h('td', {}, hashrate(k.hashrate)),
          h('td', {}, k.lastShareAt ? localTime(k.lastShareAt) : 'never'),
          h('td', {}, k.offline ? 'offline' : 'online'),
        ),
      );
      const b = m.balance;
      return h(
        'section',
        { 'data-testid': 'watch-miner' },
        h(
          'h2',
          {},
          `${c.coin} · `,
          h('span', { 'data-testid': 'watch-miner-label' }, m.label),
          ' ',
          h('code', {}, m.address),
        ),
        h(
          'div',
          { class: 'cards' },
          ...[
            ['Hashrate (10 min)', hashrate(m.hashrate['10m'])],
            ['Immature', coins(b.immature, d)],
            ['Confirmed', coins(b.confirmed, d)],
            ['Pending', coins(b.pending, d)],
            ['Paid', coins(b.paid, d)],
          ].map(([label, value]) =>
            h('div', { class: 'card' }, h('div', { class: 'label' }, label!), h('div', { class: 'value' }, value!)),
          ),
        ),
        table(
          'watch-workers',
          ['Worker', 'Hashrate', 'Last share', 'State'],
          workers,
          'No workers in the last 3 hours',
        ),
      );
    }),
  );
  return h(
    'section',
    { 'data-testid': 'watch' },
    h('h1', {}, 'Watching ', h('span', { 'data-testid': 'watch-label' }, w.label)),
    h('p', {}, 'A read-only view shared by the account holder.'),
    ...(sections.length > 0 ? sections : [h('p', {}, 'No mining addresses on this account yet.')]),
  );
}
