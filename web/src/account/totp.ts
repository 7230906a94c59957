import QRCode from 'qrcode';
import { field, h, say, status } from '../dom.js';
import { accountApi } from './api.js';
import { onSubmit } from './auth-pages.js';

/**
 * Two-factor enrollment: the new secret as a QR code (drawn here, in the browser, from the otpauth URI: the secret
 * goes to no QR service and into no log) and as text for apps that take it typed; the first code turns TOTP on and
 * the 10 recovery codes are shown this once.
 */
export function totpSection(enabled: boolean, recoveryCodesLeft: number, refresh: () => void): HTMLElement {
  const section = h('section', { 'data-testid': 'totp-section' }, h('h2', {}, 'Two-factor authentication'));
  if (enabled) {
    section.append(h('p', { 'data-testid': 'totp-on' }, `On. ${recoveryCodesLeft} recovery codes left.`));
    return section;
  }
  const out = status('totp-status');
  const start = h('button', { type: 'button', 'data-testid': 'totp-start' }, 'Enable two-factor authentication');
  start.addEventListener('click', async () => {
    start.disabled = true;
    try {
      const { secret, otpauthUri } = await accountApi.startTotp();
      start.replaceWith(enrollment(String(secret), String(otpauthUri), section, refresh));
    } catch (err) {
      start.disabled = false;
      say(out, (err as Error).message, true);
    }
  });
  section.append(
    h('p', {}, 'Off. Payout changes need it: turn it on with an authenticator app (any TOTP app).'),
    start,
    out,
  );
  return section;
}

function enrollment(secret: string, otpauthUri: string, section: HTMLElement, refresh: () => void): HTMLElement {
  const canvas = h('canvas', { 'data-testid': 'totp-qr', 'aria-label': 'QR code of the two-factor secret' });
  // Drawn locally from the URI; a failure leaves the typed secret below, which works as well.
  QRCode.toCanvas(canvas, otpauthUri, { width: 220, margin: 2 }).catch(() => canvas.remove());
  const out = status('totp-verify-status');
  const form = h(
    'form',
    { class: 'stack' },
    field(
      'The 6-digit code your app shows now',
      h('input', {
        name: 'code',
        inputmode: 'numeric',
        autocomplete: 'one-time-code',
        pattern: '[0-9]{6}',
        required: true,
      }),
    ),
    h('button', { type: 'submit' }, 'Turn on'),
    out,
  );
  onSubmit(form, out, async (v) => {
    const { recoveryCodes } = await accountApi.verifyTotp(v.code!);
    section.replaceChildren(
      h('h2', {}, 'Two-factor authentication'),
      recoveryCodesShown(recoveryCodes as string[], refresh),
    );
  });
  return h(
    'div',
    { class: 'stack' },
    h('p', {}, 'Scan this with your authenticator app, or type the secret below into it.'),
    canvas,
    h('p', {}, 'Secret: ', h('code', { 'data-testid': 'totp-secret' }, secret)),
    form,
  );
}

/** The recovery codes, once: they are not shown again (only how many are left). */
function recoveryCodesShown(codes: string[], refresh: () => void): HTMLElement {
  const done = h('button', { type: 'button' }, 'I have saved them');
  done.addEventListener('click', refresh);
  return h(
    'div',
    { 'data-testid': 'recovery-codes' },
    h(
      'p',
      {},
      'Two-factor authentication is on. Save these recovery codes somewhere safe: each signs you in once if you lose your authenticator. They are not shown again.',
    ),
    h('ul', { class: 'codes' }, ...codes.map((c) => h('li', {}, h('code', { 'data-testid': 'recovery-code' }, c)))),
    done,
  );
}
