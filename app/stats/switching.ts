import { NotFoundError } from '../../core/errors.js';
import type { Balance } from '../../core/ledger/entries.js';
import type { MoneyStore } from '../../core/ports/money-store.js';
import type { ProfitabilityRow, SwitchingStore } from '../../core/ports/switching-store.js';
import type {
  ProfitabilityRowView,
  SwitchingBreakdown,
  SwitchingHistory,
  SwitchingPorts,
  SwitchingPortView,
} from './schema.js';

/** What the API tells the world about a switching port (issue 17): no daemons, no exchanges. */
export interface PublicSwitchingPort {
  /** `switching[].name` of the config. */
  name: string;
  algorithm: string;
  /** The coins the port switches between, in config order. */
  coins: string[];
  /** Miners connect with an address of this currency and are paid in it (the other coins are converted); null: none set. */
  payoutCurrency: string | null;
  /** Where miners connect: each port, whether it is TLS, its vardiff bounds. */
  ports: Array<{ port: number; tls: boolean; difficulty: { initial: number; min: number; max: number } }>;
  /** The host miners connect to; null: the host serving the API (local mode). */
  stratumHost: string | null;
}

export interface SwitchingApiDeps {
  ports: readonly PublicSwitchingPort[];
  /** The switching service's records (core/ports/switching-store.ts): only read here. */
  store: Pick<SwitchingStore, 'state' | 'switches'>;
}

/** `GET /api/switching`: every switching port, with its current coin and profitability table. */
export async function switchingPorts(deps: SwitchingApiDeps | undefined, now: number): Promise<SwitchingPorts> {
  return { ports: await Promise.all((deps?.ports ?? []).map((p) => portView(deps!, p, now))) };
}

async function portView(deps: SwitchingApiDeps, port: PublicSwitchingPort, now: number): Promise<SwitchingPortView> {
  const state = await deps.store.state(port.name);
  return {
    ...port,
    quote: state?.quote ?? null,
    current: state?.current ?? null,
    since: state?.since ?? null,
    leader: state?.leader ?? null,
    evaluatedAt: state?.at ?? null,
    // A row per configured coin, in config order, also before the service's first evaluation.
    table: port.coins.map((coin) =>
      rowView(
        coin,
        state?.table.find((r) => r.coin === coin),
        now,
      ),
    ),
  };
}

function rowView(coin: string, row: ProfitabilityRow | undefined, now: number): ProfitabilityRowView {
  const age = (at: number | undefined) => (at === undefined ? null : Math.max(0, Math.round((now - at) / 1000)));
  return {
    coin,
    earningsPerTerahash: row?.earningsPerTerahash ?? null,
    reward: row?.reward ?? null,
    networkDifficulty: row?.networkDifficulty ?? null,
    price: row?.price ?? null,
    priceAgeSeconds: age(row?.priceAt),
    aux: (row?.aux ?? []).map((a) => ({
      coin: a.coin,
      earningsPerTerahash: a.earningsPerTerahash ?? null,
      reward: a.reward ?? null,
      price: a.price ?? null,
      priceAgeSeconds: age(a.priceAt),
    })),
    healthy: row?.healthy ?? false,
    eligible: row?.eligible ?? false,
    ineligibleBecause: row ? (row.eligible ? null : (row.ineligibleBecause ?? 'not eligible')) : 'not evaluated yet',
  };
}

/**
 * `GET /api/switching/{name}/history`: the port's switches of the last `hours`, newest first, at most `limit`, and
 * the coin it mines now (the chart's right end).
 */
export async function switchingHistory(
  deps: SwitchingApiDeps | undefined,
  name: string,
  opts: { hours: number; limit: number; now: number },
): Promise<SwitchingHistory> {
  const port = switchingPortNamed(deps, name);
  const from = opts.now - opts.hours * 3_600_000;
  const [state, switches] = await Promise.all([
    deps!.store.state(port.name),
    deps!.store.switches(port.name, { since: from, limit: opts.limit }),
  ]);
  return {
    port: port.name,
    hours: opts.hours,
    from,
    current: state?.current ?? null,
    switches: switches.map((s) => ({
      at: s.at,
      from: s.from,
      to: s.to,
      reason: s.reason,
      fromEarnings: s.fromEarnings ?? null,
      toEarnings: s.toEarnings ?? null,
    })),
  };
}

function switchingPortNamed(deps: SwitchingApiDeps | undefined, name: string): PublicSwitchingPort {
  const port = deps?.ports.find((p) => p.name === name);
  if (!port) {
    const names = deps?.ports.map((p) => p.name).join(', ') || 'none';
    throw new NotFoundError(`no switching port "${name.slice(0, 32)}"; this pool's: ${names}`);
  }
  return port;
}

/**
 * A switching miner's money per coin of each port paying in `coin` (the payout currency's miner page): on each coin
 * the account's balance and what conversion took into the payout currency (convert-out less convert-back entries).
 */
export async function switchingBreakdown(
  deps: { switching?: SwitchingApiDeps | undefined; money: Pick<MoneyStore, 'getBalance' | 'listAccountEntries'> },
  coin: string,
  account: string,
): Promise<SwitchingBreakdown[]> {
  const ports = (deps.switching?.ports ?? []).filter((p) => p.payoutCurrency === coin);
  return Promise.all(
    ports.map(async (p) => ({
      port: p.name,
      coins: await Promise.all(
        p.coins.map(async (c) => {
          const [balance, conversions] = await Promise.all([
            deps.money.getBalance(c, account),
            c === coin ? [] : deps.money.listAccountEntries(c, account, 'convert-'),
          ]);
          const converted = conversions.reduce(
            (s, e) => s + (e.kind === 'convert-out' ? e.amount : e.kind === 'convert-back' ? -e.amount : 0n),
            0n,
          );
          return { coin: c, ...balanceStrings(balance), converted: converted.toString() };
        }),
      ),
    })),
  );
}

/** A balance as the API shows it (decimal strings of base units). */
export const balanceStrings = (b: Balance) => ({
  immature: b.immature.toString(),
  confirmed: b.confirmed.toString(),
  pending: b.pending.toString(),
  paid: b.paid.toString(),
});
