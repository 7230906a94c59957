import { describe, expect, it } from 'vitest';
import { accountsSchema } from '../../../core/config/schema.js';
import { accountApiPerTest, signedUpAccount } from '../../helpers/account-api.js';

/** Referrals on /api/account/me (issue 19): the referrer sees a count, the referred account the terms, nobody a name. */
describe('referrals on the account page', () => {
  const harness = accountApiPerTest({
    accounts: accountsSchema.parse({
      publicUrl: 'http://pool.test',
      signIn: { perIpPerHour: 1000 },
      referrals: { feeSharePercent: 12.5 },
    }),
  });

  const me = async (token: string) => {
    const h = harness();
    const res = await h.call('GET', '/api/account/me', { token });
    expect(res.status).toBe(200);
    return res;
  };

  it('counts the accounts a referrer brought, without naming them', async () => {
    const h = harness();
    const referrer = await signedUpAccount(h, 'referrer@x.io');
    const code = ((await me(referrer)).json.referral as { code: string }).code;
    expect((await me(referrer)).json.referral).toMatchObject({ referredAccounts: 0 });

    await signedUpAccount(h, 'first.referred@x.io', h.sink, code);
    await signedUpAccount(h, 'second.referred@x.io', h.sink, code.toLowerCase());
    await signedUpAccount(h, 'not.referred@x.io');
    // An account referred by someone else counts for that one only.
    const other = await signedUpAccount(h, 'other@x.io');
    const otherCode = ((await me(other)).json.referral as { code: string }).code;
    await signedUpAccount(h, 'third.referred@x.io', h.sink, otherCode);

    const page = await me(referrer);
    expect(page.json.referral).toMatchObject({ code, referredAccounts: 2 });
    expect(page.json.referredBy).toBeNull();
    expect((await me(other)).json.referral).toMatchObject({ referredAccounts: 1 });
    // Nothing of the referred accounts but their number.
    for (const email of ['first.referred@x.io', 'second.referred@x.io', 'third.referred@x.io']) {
      expect(page.body).not.toContain(email);
      expect(page.body).not.toContain((await h.store.accountByEmail(email))!);
    }
  });

  it('tells a referred account the terms, and nothing about who referred it', async () => {
    const h = harness();
    const referrer = await signedUpAccount(h, 'anonymous.referrer@x.io');
    const referrerPage = (await me(referrer)).json;
    const code = (referrerPage.referral as { code: string }).code;
    const referred = await signedUpAccount(h, 'referred@x.io', h.sink, code);

    const page = await me(referred);
    expect(page.json.referredBy).toEqual({ feeSharePercent: 12.5 });
    // The referrer's email, account id and referral code are the referrer's: none of them is in the answer.
    expect(page.body).not.toContain('anonymous.referrer');
    expect(page.body).not.toContain(referrerPage.id as string);
    expect(page.body).not.toContain(code);
    // Its own referral data is its own: a fresh code, no one referred yet.
    expect(page.json.referral).toMatchObject({ referredAccounts: 0 });
    expect((page.json.referral as { code: string }).code).not.toBe(code);
  });
});
