import type { z } from 'zod';

/** What the check reads of a coin's config (structural: schema.ts calls it on its parsed coins). */
interface CoinIncomeView {
  symbol: string;
  poolAddress: string;
  proxy?: unknown;
  conversion?: { targets: ReadonlyArray<{ currency: string; wallet?: string | undefined }> } | undefined;
}

/**
 * A proxied coin's income is what arrives at its pool address from someone else's transaction (app/proxy): every such
 * output is split among the proxy's miners. A conversion target whose `wallet` (where the exchanges' withdrawals of the
 * converted coins go) is that address would have the miners' own converted balances counted as upstream income and
 * paid out again: refused. Bitcoin-family addresses compare case-insensitively (bech32; base58 ones never collide so).
 */
export function proxyIncomeIssues(cfg: { coins: ReadonlyArray<CoinIncomeView> }, ctx: z.RefinementCtx): void {
  const proxied = new Map<string, string>();
  for (const c of cfg.coins) if (c.proxy !== undefined) proxied.set(c.poolAddress.toLowerCase(), c.symbol);
  if (proxied.size === 0) return;
  cfg.coins.forEach((coin, i) => {
    coin.conversion?.targets.forEach((t, j) => {
      const symbol = t.wallet === undefined ? undefined : proxied.get(t.wallet.toLowerCase());
      if (symbol === undefined) return;
      ctx.addIssue({
        code: 'custom',
        path: ['coins', i, 'conversion', 'targets', j, 'wallet'],
        message: `${t.wallet} is the pool address of proxied ${symbol}: exchange withdrawals there would be taken for upstream income and paid to its miners again; withdraw to another address of the wallet`,
      });
    });
  });
}
