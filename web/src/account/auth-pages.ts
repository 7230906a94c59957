import { startAuthentication } from '@simplewebauthn/browser';
import { actionButton, field, h, say, status } from '../dom.js';
import { AccountApiError, accountApi, type SignIn } from './api.js';
import { signedIn } from './session.js';

/** Sign-up and sign-in (password, then the TOTP code or a recovery code); setting a password: password-pages.ts. */

const input = (name: string, type: string, extra: Record<string, string> = {}) =>
  h('input', { name, type, required: true, ...extra });

/** The form's fields by name, trimmed (passwords, `password*`, are taken as typed). */
function values(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) out[k] = k.startsWith('password') ? String(v) : String(v).trim();
  return out;
}

/** Runs a form's action: its button is disabled meanwhile, a refusal is shown as text in the form's status line. */
export function onSubmit(
  form: HTMLFormElement,
  out: HTMLElement,
  action: (v: Record<string, string>) => Promise<void>,
) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (button) button.disabled = true;
    say(out, '');
    try {
      await action(values(form));
    } catch (err) {
      say(out, err instanceof AccountApiError ? err.message : `Failed: ${(err as Error).message}`, true);
    } finally {
      if (button) button.disabled = false;
    }
  });
}

export function signUpPage(referralCode: string | undefined): HTMLElement {
  const out = status('signup-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'signup-form' },
    field('Email', input('email', 'email', { autocomplete: 'email' })),
    field(
      'Password (10+ characters, with a lower-case letter, an upper-case letter and a digit)',
      input('password', 'password', { autocomplete: 'new-password', minlength: '10' }),
    ),
    field('Referral code (optional)', h('input', { name: 'referralCode', value: referralCode ?? '' })),
    h('button', { type: 'submit' }, 'Sign up'),
    out,
  );
  onSubmit(form, out, async (v) => {
    await accountApi.signUp(v.email!, v.password!, v.referralCode || undefined);
    form.replaceChildren(
      h(
        'p',
        { 'data-testid': 'signup-done' },
        'Check your email: the link in it confirms your account. (Nothing arrived? The address may have an account already: sign in.)',
      ),
    );
  });
  return h(
    'section',
    {},
    h('h1', {}, 'Sign up'),
    h(
      'p',
      {},
      'An account is optional: mining to your address works without one. With one you group your addresses, get notifications, and change payout settings with two-factor authentication.',
    ),
    form,
    h('p', {}, 'Have an account? ', h('a', { href: '#/signin' }, 'Sign in')),
  );
}

export function signInPage(): HTMLElement {
  const out = status('signin-status');
  const page = h('section', {}, h('h1', {}, 'Sign in'));
  const done = (r: SignIn, email: string, password: string) => {
    if (r.kind === 'totp') page.replaceChildren(h('h1', {}, 'Sign in'), totpStep(email, password, r.session));
    else enter(r);
  };
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'signin-form' },
    field('Email', input('email', 'email', { autocomplete: 'username' })),
    field('Password', input('password', 'password', { autocomplete: 'current-password' })),
    h('button', { type: 'submit' }, 'Sign in'),
    out,
  );
  onSubmit(form, out, async (v) => done(await accountApi.signIn(v.email!, v.password!), v.email!, v.password!));
  // A passkey instead of the password: the email above, then the browser's passkey prompt.
  const passkeyOut = status('signin-passkey-status');
  page.append(
    form,
    h(
      'p',
      {},
      'Or sign in with a passkey (added on your account page): ',
      passkeySignInButton(form, passkeyOut, enter),
    ),
    passkeyOut,
    h('p', {}, h('a', { href: '#/forgot' }, 'Forgot your password?')),
    h('p', {}, 'No account yet? ', h('a', { href: '#/signup' }, 'Sign up')),
  );
  return page;
}

/** Signed in: the tokens are kept (account/session.ts) and the account page opens. */
function enter(r: SignIn): void {
  if (r.kind !== 'tokens') return;
  signedIn(r.tokens);
  location.hash = '#/account';
}

/** The second step: the authenticator's code, or (lost device) the password again with a recovery code. */
function totpStep(email: string, password: string, session: string): HTMLElement {
  const out = status('signin-totp-status');
  const form = h(
    'form',
    { class: 'stack', 'data-testid': 'signin-totp-form' },
    field(
      'Code from your authenticator app',
      input('code', 'text', { inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}' }),
    ),
    h('button', { type: 'submit' }, 'Verify'),
    out,
  );
  onSubmit(form, out, async (v) => {
    enter(await accountApi.signInTotp(email, session, v.code!));
  });
  const recoveryOut = status('signin-recovery-status');
  const recovery = h(
    'form',
    { class: 'stack' },
    field('Recovery code (turns two-factor off: enroll again afterwards)', input('recoveryCode', 'text')),
    h('button', { type: 'submit' }, 'Sign in with a recovery code'),
    recoveryOut,
  );
  onSubmit(recovery, recoveryOut, async (v) => {
    enter(await accountApi.signInRecovery(email, password, v.recoveryCode!));
  });
  return h('div', {}, form, h('details', {}, h('summary', {}, 'Lost your authenticator?'), recovery));
}

/** "Sign in with a passkey": the email typed in the sign-in form, then the browser's passkey prompt. */
function passkeySignInButton(form: HTMLFormElement, out: HTMLElement, enter: (r: SignIn) => void) {
  return actionButton(
    // Not "Sign in …": the password form's button keeps that name to itself.
    'Use a passkey',
    'passkey-signin',
    async () => {
      say(out, '');
      const email = String(new FormData(form).get('email') ?? '').trim();
      if (!email) throw new Error('enter your email first');
      const { session, options } = await accountApi.passkeySignInStart(email);
      const credential = await startAuthentication({ optionsJSON: options as never });
      enter(await accountApi.passkeySignIn(email, session, credential));
    },
    out,
  );
}
