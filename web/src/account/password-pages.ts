import { field, h, status } from '../dom.js';
import { AccountApiError, accountApi } from './api.js';
import { onSubmit } from './auth-pages.js';

/**
 * The pages that set a password through an emailed link (the mailbox's owner decides it): `#/confirm/<token>`
 * (confirming an account chooses its password), `#/forgot` (asks for a reset link) and `#/reset/<token>`.
 */

const RULE = '10+ characters, with a lower-case letter, an upper-case letter and a digit';

/** The new password, typed twice (`password`, `password2`): the form refuses two that differ before any call. */
function newPasswordFields(): HTMLElement[] {
  const attrs = { type: 'password', required: true, autocomplete: 'new-password', minlength: '10' };
  return [
    field(`New password (${RULE})`, h('input', { name: 'password', ...attrs })),
    field('The same password again', h('input', { name: 'password2', ...attrs })),
  ];
}

function samePassword(v: Record<string, string>): string {
  if (v.password !== v.password2) throw new AccountApiError('the two passwords differ', 400);
  return v.password!;
}

const signInLink = (testid: string) => h('a', { href: '#/signin', 'data-testid': testid }, 'Sign in');

/**
 * `#/confirm/<token>`: the emailed link. Its holder chooses the password here (whatever a sign-up typed), then the
 * account is confirmed. Nothing happens on opening the page: a mail scanner following the link confirms nothing.
 */
export function confirmPage(token: string): HTMLElement {
  const out = status('confirm-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'confirm-form' },
    ...newPasswordFields(),
    h('button', { type: 'submit' }, 'Confirm and set the password'),
    out,
  );
  onSubmit(form, out, async (v) => {
    await accountApi.confirm(token, samePassword(v));
    form.replaceChildren(h('p', {}, 'Your email is confirmed and your password set. ', signInLink('confirm-signin')));
  });
  return h(
    'section',
    {},
    h('h1', {}, 'Confirm your account'),
    h(
      'p',
      {},
      'Choose the password of your account. You may type the one you chose when signing up, or another: the one you type here is the one that counts.',
    ),
    form,
  );
}

/** `#/forgot`: asks for a reset link; the answer is the same whether the address has an account or not. */
export function forgotPage(): HTMLElement {
  const out = status('forgot-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'forgot-form' },
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' })),
    h('button', { type: 'submit' }, 'Mail me a reset link'),
    out,
  );
  onSubmit(form, out, async (v) => {
    await accountApi.forgotPassword(v.email!);
    form.replaceChildren(
      h(
        'p',
        { 'data-testid': 'forgot-done' },
        'If this address has a confirmed account, a link to choose a new password is on its way. It works once, for an hour.',
      ),
    );
  });
  return h('section', {}, h('h1', {}, 'Forgot your password?'), form, h('p', {}, signInLink('forgot-signin')));
}

/** `#/reset/<token>`: the emailed reset link; with two-factor on, a current code (or a recovery code) as well. */
export function resetPage(token: string): HTMLElement {
  const out = status('reset-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'reset-form' },
    ...newPasswordFields(),
    field(
      'Two-factor code (only if you turned two-factor on)',
      h('input', { name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' }),
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Lost your authenticator?'),
      field('Recovery code (instead of the two-factor code; it is used up)', h('input', { name: 'recoveryCode' })),
    ),
    h('button', { type: 'submit' }, 'Set the new password'),
    out,
  );
  onSubmit(form, out, async (v) => {
    await accountApi.resetPassword(token, samePassword(v), v.totp || undefined, v.recoveryCode || undefined);
    form.replaceChildren(h('p', {}, 'Your new password is set. ', signInLink('reset-signin')));
  });
  return h('section', {}, h('h1', {}, 'Choose a new password'), form);
}
