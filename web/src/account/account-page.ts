import { actionButton, field, h, say, status, table } from '../dom.js';
import { coins, localTime, unitsOf } from '../format.js';
import { AccountApiError, accountApi, type Json } from './api.js';
import { onSubmit } from './auth-pages.js';
import { notificationsSection } from './notifications.js';
import { passkeysSection } from './passkeys.js';
import { signOut } from './session.js';
import { totpSection } from './totp.js';
import { watchersSection } from './watchers.js';

/** What the account pages need of the pool: a coin's decimals (amounts are base units on the wire). */
export interface PoolView {
  decimals: (coin: string) => number;
}

/**
 * `#/account`: the signed-in account. Everything the API returns is put in as text (web/src/dom.ts), the
 * account's own labels and the change log's details included.
 */
export async function accountPage(pool: PoolView, rerender: () => void): Promise<HTMLElement> {
  let me: Json;
  try {
    me = await accountApi.me();
  } catch (err) {
    if (err instanceof AccountApiError && err.status === 401) {
      signOut();
      return h(
        'section',
        { 'data-testid': 'signed-out' },
        h('h1', {}, 'Account'),
        h(
          'p',
          {},
          'Sign in first. ',
          h('a', { href: '#/signin' }, 'Sign in'),
          ' or ',
          h('a', { href: '#/signup' }, 'sign up'),
          '.',
        ),
      );
    }
    // A pool run without the `accounts` config section has no account API: mining to an address is all there is.
    if (err instanceof AccountApiError && err.status === 404)
      return h(
        'section',
        { 'data-testid': 'no-accounts' },
        h('h1', {}, 'Account'),
        h('p', {}, 'This pool does not offer accounts: mine to your address and look it up above.'),
      );
    throw err;
  }
  const [log, watchers, notifications, passkeys] = await Promise.all([
    accountApi.log(),
    accountApi.watchers(),
    // Notifications are optional in a deployment: the page shows the rest without them.
    accountApi
      .notifications()
      .catch((err: AccountApiError) => ({ unavailable: err.status === 404 ? 'this pool sends none' : err.message })),
    // A failing passkey list leaves the rest of the page working (the section says why).
    accountApi.passkeys().catch((err: AccountApiError) => ({ unavailable: err.message })),
  ]);
  const signOutButton = h('button', { type: 'button', 'data-testid': 'signout' }, 'Sign out');
  signOutButton.addEventListener('click', () => {
    signOut();
    location.hash = '#/signin';
  });
  return h(
    'section',
    { class: 'account' },
    h('h1', {}, 'Account'),
    h('p', {}, 'Signed in as ', h('b', { 'data-testid': 'account-email' }, me.email), ' ', signOutButton),
    totpSection(me.mfa.totp, me.mfa.recoveryCodesLeft, rerender),
    passkeysSection(passkeys, me.mfa.totp, rerender),
    identitiesSection(me, rerender),
    payoutSection(me, pool),
    referralSection(me, pool),
    notificationsSection(notifications),
    watchersSection(watchers.watchers as Json[], rerender),
    logSection(log.entries as Json[]),
  );
}

function identitiesSection(me: Json, rerender: () => void): HTMLElement {
  const rows = (me.identities as Json[]).map((i) => {
    const remove = actionButton('Remove', 'identity-remove', async () => {
      await accountApi.removeIdentity(i.coin, i.address);
      rerender();
    });
    return h(
      'tr',
      { 'data-testid': 'identity-row' },
      h('td', {}, i.coin),
      h('td', {}, h('a', { href: `#/miner/${encodeURIComponent(i.address)}` }, i.address)),
      h('td', { 'data-testid': 'identity-label' }, i.label),
      h('td', {}, localTime(i.addedAt)),
      h('td', {}, remove),
    );
  });
  const coinsOfPool = Object.keys(me.settings);
  const message = h('pre', { 'data-testid': 'identity-message' });
  const signing = h(
    'div',
    { hidden: true },
    h(
      'p',
      {},
      'Sign this exact message with the key of the address within 10 minutes (Litecoin Core / Bitcoin Core `signmessage` for legacy addresses, Electrum "Sign/verify message", or any wallet that signs BIP137 or BIP322):',
    ),
    message,
    field('Signature', h('textarea', { name: 'signature', rows: 3, required: true })),
    h('button', { type: 'submit' }, 'Add address'),
  );
  const out = status('identity-status');
  let prepared: { coin: string; address: string; label: string; time: string } | undefined;
  const prepare = h('button', { type: 'button' }, 'Prepare message');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'identity-form' },
    field('Coin', h('select', { name: 'coin' }, ...coinsOfPool.map((c) => h('option', {}, c)))),
    field('Mining address', h('input', { name: 'address', required: true })),
    field('Label (your name for this group of rigs)', h('input', { name: 'label', maxlength: 64 })),
    prepare,
    signing,
    out,
  );
  prepare.addEventListener('click', () => {
    const data = new FormData(form);
    const t = new Date().toISOString();
    prepared = {
      coin: String(data.get('coin')),
      address: String(data.get('address')).trim(),
      label: String(data.get('label')).trim(),
      time: t,
    };
    message.textContent = String(me.sign.identityMessage)
      .replace('<coin>', prepared.coin)
      .replace('<address>', prepared.address)
      .replace('<time>', t);
    signing.hidden = false;
  });
  onSubmit(form, out, async (v) => {
    if (!prepared) return;
    await accountApi.addIdentity({ ...prepared, signature: v.signature! });
    rerender();
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Mining addresses'),
    table(
      'identities',
      ['Coin', 'Address', 'Label', 'Added', ''],
      rows,
      'None yet: add the addresses your rigs mine to.',
    ),
    h('h3', {}, 'Add an address'),
    h('p', {}, 'Prove the address is yours with a message signed by its key.'),
    form,
  );
}

/** Per coin: what is set (or the pool's default) and the change form (password + TOTP code, then an emailed link). */
function payoutSection(me: Json, pool: PoolView): HTMLElement {
  const parts = Object.entries(me.settings as Record<string, Json>).map(([coin, s]) => {
    const d = pool.decimals(coin);
    const hold =
      s.holdUntil && s.holdUntil > Date.now()
        ? h('p', { class: 'error' }, `Payouts held until ${localTime(s.holdUntil)} (a new payout address).`)
        : null;
    const out = status(`settings-status-${coin}`);
    const currencies = [...new Set([coin, ...(s.currencies as string[])])];
    const form = h(
      'form',
      { class: 'stack', 'data-testid': `settings-form-${coin}` },
      field(
        `Threshold (${coins(s.bounds.min, d)} to ${coins(s.bounds.max, d)} ${coin})`,
        h('input', {
          name: 'threshold',
          inputmode: 'decimal',
          placeholder: s.threshold ? coins(s.threshold, d) : 'pool default',
        }),
      ),
      field(
        'Payout address (empty: each mining address is paid itself)',
        h('input', { name: 'payoutAddress', placeholder: s.payoutAddress ?? '' }),
      ),
      currencies.length > 1
        ? field(
            'Payout currency',
            h(
              'select',
              { name: 'currency' },
              h('option', { value: '' }, 'unchanged'),
              ...currencies.map((c) => h('option', {}, c)),
            ),
          )
        : null,
      currencies.length > 1
        ? field(
            'Your address in that currency (where converted payouts go; not for the coin itself)',
            h('input', { name: 'currencyAddress' }),
          )
        : null,
      field(
        'Password',
        h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
      ),
      field(
        'Two-factor code',
        h('input', {
          name: 'totp',
          inputmode: 'numeric',
          autocomplete: 'one-time-code',
          pattern: '[0-9]{6}',
          required: true,
        }),
      ),
      h('button', { type: 'submit', disabled: !me.mfa.totp }, 'Request the change'),
      out,
    );
    onSubmit(form, out, async (v) => {
      const change: Json = {};
      if (v.threshold) change.threshold = unitsOf(v.threshold, d).toString();
      if (v.payoutAddress) change.payoutAddress = v.payoutAddress;
      if (v.currency) change.currency = v.currency;
      if (v.currency && v.currency !== coin && v.currencyAddress) change.currencyAddress = v.currencyAddress;
      if (Object.keys(change).length === 0)
        throw new Error('nothing to change: fill in a threshold, an address or a currency');
      const r = await accountApi.changeSettings(coin, { ...change, password: v.password, totp: v.totp });
      form.reset();
      say(
        out,
        `Check your email: the change applies once you follow the link in it (valid until ${localTime(r.expiresAt)}).`,
      );
    });
    return h(
      'div',
      { class: 'card', 'data-testid': `settings-${coin}` },
      h('h3', {}, coin),
      h(
        'p',
        {},
        'Threshold ',
        h(
          'b',
          { 'data-testid': `threshold-${coin}` },
          s.threshold ? `${coins(s.threshold, d)} ${coin}` : 'pool default',
        ),
        ' · paid to ',
        h('b', { 'data-testid': `payout-address-${coin}` }, s.payoutAddress ?? 'each mining address'),
        ' · in ',
        h('b', {}, s.currency ?? coin),
      ),
      hold,
      form,
    );
  });
  return h(
    'section',
    {},
    h('h2', {}, 'Payout settings'),
    me.mfa.totp ? null : h('p', { class: 'error' }, 'Turn on two-factor authentication to change these.'),
    h(
      'p',
      {},
      'A change needs your password and a two-factor code, then the link we email you. A new payout address holds payouts for a cool-down, with a notice.',
    ),
    ...parts,
  );
}

function referralSection(me: Json, pool: PoolView): HTMLElement {
  const r = me.referral;
  const rows = Object.entries(r.earnings as Record<string, string>).map(([coin, units]) =>
    h(
      'tr',
      { 'data-testid': 'referral-earnings-row' },
      h('td', {}, coin),
      h('td', {}, coins(units, pool.decimals(coin))),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Referrals'),
    h(
      'p',
      {},
      'Your code ',
      h('code', { 'data-testid': 'referral-code' }, r.code),
      ' · link ',
      h('code', { 'data-testid': 'referral-link' }, r.link),
      ' ',
      h('button', { type: 'button', class: 'copy', 'data-copy': r.link }, 'Copy'),
    ),
    h('p', {}, 'Miners who sign up with your link earn you a share of the pool fee on their rewards.'),
    h(
      'p',
      {},
      'Accounts you referred: ',
      h('b', { 'data-testid': 'referred-accounts' }, String(r.referredAccounts ?? 0)),
    ),
    table('referral-earnings', ['Coin', 'Earned'], rows, 'Nothing yet'),
    referredNote(me.referredBy),
  );
}

/**
 * The referred side: that the account was referred and what it means for its rewards (nothing), never who referred
 * it (the API does not say: a referrer may prefer to stay anonymous).
 */
function referredNote(referredBy: Json | null | undefined): HTMLElement | null {
  if (!referredBy) return null;
  const share = Number(referredBy.feeSharePercent);
  return h(
    'p',
    { 'data-testid': 'referred-by' },
    share > 0
      ? `You were referred: ${share} % of the pool fee on your rewards goes to the account that referred you; your own rewards are unchanged.`
      : 'You were referred: this pool shares none of its fee with referrers at present; your own rewards are unchanged.',
  );
}

function logSection(entries: Json[]): HTMLElement {
  const rows = entries.map((e) =>
    h(
      'tr',
      { 'data-testid': 'log-row' },
      h('td', {}, localTime(e.at)),
      h('td', {}, e.kind),
      h('td', { 'data-testid': 'log-detail', class: 'wide' }, e.detail),
      h('td', {}, e.source),
      h('td', {}, e.ip),
    ),
  );
  return h(
    'section',
    {},
    h('h2', {}, 'Change log'),
    table('change-log', ['Time', 'What', 'Detail', 'How', 'From IP'], rows, 'No changes yet'),
  );
}
