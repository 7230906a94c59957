import { h, say, status } from '../dom.js';
import { coins } from '../format.js';
import { accountPage, type PoolView } from './account-page.js';
import { accountApi } from './api.js';
import { signInPage, signUpPage } from './auth-pages.js';
import { confirmPage, forgotPage, resetPage } from './password-pages.js';
import { isSignedIn } from './session.js';
import { watchPage } from './watchers.js';

/**
 * The account pages' hash routes: `#/signin`, `#/signup[?ref=<code>]`, `#/confirm/<token>`, `#/forgot`,
 * `#/reset/<token>`, `#/account`, `#/change/<token>`, `#/watch/<token>`. The page for a route, or undefined for the
 * stats pages'.
 */
export function accountRoute(route: string, pool: PoolView, rerender: () => void): (() => Promise<Node>) | undefined {
  const [path = '', query = ''] = route.split('?');
  const token = /^\/(confirm|reset|change|watch)\/(.+)$/.exec(path);
  if (path === '/signin') return async () => signInPage();
  if (path === '/forgot') return async () => forgotPage();
  if (path === '/signup') return async () => signUpPage(new URLSearchParams(query).get('ref') ?? undefined);
  if (path === '/account') return () => accountPage(pool, rerender);
  if (!token) return undefined;
  const value = decodeURIComponent(token[2]!);
  if (token[1] === 'confirm') return async () => confirmPage(value);
  if (token[1] === 'reset') return async () => resetPage(value);
  if (token[1] === 'change') return async () => changePage(value, pool);
  return () => watchPage(value, pool.decimals);
}

/** The header's account link: where it goes and what it says. */
export const accountLink = (): { href: string; text: string } =>
  isSignedIn() ? { href: '#/account', text: 'Account' } : { href: '#/signin', text: 'Sign in' };

/**
 * `#/change/<token>`: the emailed link of a payout change. It applies on a click, not on opening: a mail scanner
 * that opens links must not be the one that moves money.
 */
function changePage(token: string, pool: PoolView): HTMLElement {
  const out = status('change-status');
  const apply = h('button', { type: 'button', 'data-testid': 'change-apply' }, 'Apply the payout change');
  apply.addEventListener('click', async () => {
    apply.disabled = true;
    try {
      const r = await accountApi.confirmChange(token);
      const s = r.settings;
      const parts = [
        s.threshold ? `threshold ${coins(s.threshold, pool.decimals(r.coin))} ${r.coin}` : null,
        s.payoutAddress ? `payout address ${s.payoutAddress}` : null,
        s.currency ? `paid in ${s.currency}` : null,
      ].filter(Boolean);
      apply.remove();
      say(out, `Applied: ${r.coin} ${parts.join(', ')}.`);
      out.append(' ', h('a', { href: '#/account' }, 'Back to your account'));
    } catch (err) {
      apply.disabled = false;
      say(out, `Not applied: ${(err as Error).message}`, true);
    }
  });
  return h(
    'section',
    {},
    h('h1', {}, 'Confirm a payout change'),
    h(
      'p',
      {},
      'You asked to change your payout settings (with your password and a two-factor code). Apply it here; if it was not you, do not apply it, and change your password.',
    ),
    apply,
    out,
  );
}
