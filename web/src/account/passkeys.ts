import { startRegistration } from '@simplewebauthn/browser';
import { actionButton, field, h, status, table } from '../dom.js';
import { localTime } from '../format.js';
import { accountApi, type Json, type StepUp } from './api.js';
import { onSubmit } from './auth-pages.js';

/**
 * Passkeys (WebAuthn) on the dashboard: adding and removing them on the account page (each after the password, and
 * the TOTP code when TOTP is on) and signing in with one. The browser's own passkey prompt does the WebAuthn part
 * (@simplewebauthn/browser turns the API's JSON options into navigator.credentials calls and back). The passkey
 * sign-in button is on the sign-in page (auth-pages.ts).
 */

export function passkeysSection(list: Json, totpOn: boolean, rerender: () => void): HTMLElement {
  if (list.unavailable !== undefined)
    return h(
      'section',
      { 'data-testid': 'passkeys-section' },
      h('h2', {}, 'Passkeys'),
      h('p', { 'data-testid': 'passkeys-unavailable' }, `Passkeys cannot be shown now: ${list.unavailable}`),
    );
  const passkeys = list.passkeys as Json[];
  const out = status('passkey-status');
  const proofFields = [
    field('Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password' })),
    ...(totpOn
      ? [
          field(
            'Code from your authenticator app',
            h('input', { name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' }),
          ),
        ]
      : []),
  ];
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'passkey-form' },
    ...proofFields,
    h('button', { type: 'submit', 'data-testid': 'passkey-add' }, 'Add a passkey'),
    out,
  );
  const proof = (): StepUp => {
    const data = new FormData(form);
    const password = String(data.get('password') ?? '');
    if (!password) throw new Error('enter your password (and code) above first');
    const totp = String(data.get('totp') ?? '').trim();
    return { password, ...(totp ? { totp } : {}) };
  };
  onSubmit(form, out, async () => {
    const { options } = await accountApi.startPasskey(proof());
    const credential = await startRegistration({ optionsJSON: options as never });
    await accountApi.addPasskey(credential);
    rerender();
  });
  const rows = passkeys.map((p) =>
    h(
      'tr',
      { 'data-testid': 'passkey-row' },
      h('td', {}, p.name),
      h('td', {}, p.attachment === 'platform' ? 'this device' : p.attachment ? 'security key or phone' : ''),
      h('td', {}, localTime(p.createdAt)),
      h(
        'td',
        {},
        actionButton(
          'Remove',
          'passkey-remove',
          async () => {
            await accountApi.removePasskey(p.id, proof());
            rerender();
          },
          out,
        ),
      ),
    ),
  );
  return h(
    'section',
    { 'data-testid': 'passkeys-section' },
    h('h2', {}, 'Passkeys'),
    h(
      'p',
      {},
      'A passkey signs you in with this device’s screen lock or a security key, without the password. Adding or removing one needs your password',
      totpOn ? ' and a code.' : '.',
      ' Payout changes still need the two-factor code and the emailed link.',
    ),
    table('passkeys', ['Passkey', 'Kind', 'Added', ''], rows, 'None yet.'),
    form,
  );
}
