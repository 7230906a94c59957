import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ledgerDecimals } from '../core/conversion/config.js';
import { BadRequestError, ConfigError, NotFoundError, PoolError, UnavailableError } from '../core/errors.js';
import { formatAmount } from '../core/ledger/payouts.js';
import { adminTokenFile, readAdminToken } from './admin.js';

/** The money commands of the `pool` CLI, answered by the running pool's loopback admin routes. */
export async function operate(o: {
  dataDir: string;
  command: string;
  sub?: string;
  coin: string;
  dryRun: boolean;
}): Promise<number> {
  const file = join(o.dataDir, 'pool.json');
  if (!existsSync(file)) {
    console.error(`no running pool in ${o.dataDir}: start it with \`npm start\` (same --data-dir)`);
    return 1;
  }
  const { http } = JSON.parse(await readFile(file, 'utf8')) as { http: string };
  const token = await readAdminToken(o.dataDir).catch((err: unknown) => {
    throw new ConfigError(
      `cannot read ${adminTokenFile(o.dataDir)} (run the CLI as the pool's user): ${(err as Error).message}`,
      [],
      { cause: err },
    );
  });
  const call = async (method: 'GET' | 'POST', path: string) => {
    const res = await fetch(`${http}${path}${path.includes('?') ? '&' : '?'}coin=${o.coin}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
    }).catch((err: unknown) => {
      throw new UnavailableError(`the pool at ${http} does not answer: is \`npm start\` running?`, { cause: err });
    });
    const body = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw refusal(res.status, String(body.error ?? `HTTP ${res.status}`));
    return body;
  };
  // Amounts in the ledger currency's decimals: ETC's wei are 18.
  const decimals = ledgerDecimals(o.coin);
  const amount = (units: bigint) => formatAmount(units, decimals);
  /** A balance column: 16 characters hold 1,000,000.00000000; wei take 10 more. */
  const width = Math.max(16, decimals + 8);
  const key = `${o.command} ${o.sub ?? ''}`.trim();
  switch (key) {
    case 'balances': {
      const { balances, pps } = (await call('GET', '/admin/balances')) as {
        balances: Record<string, string>[];
        pps?: { credited: string; blockRewards: string; liability: string };
      };
      console.log(
        ['account', 'immature', 'confirmed', 'pending', 'paid']
          .map((h, i) => (i ? h.padStart(width) : h.padEnd(48)))
          .join(''),
      );
      for (const b of balances) {
        const cols = ['immature', 'confirmed', 'pending', 'paid'].map((k) => amount(BigInt(b[k]!)).padStart(width));
        console.log(`${b.account!.padEnd(48)}${cols.join('')}`);
      }
      if (pps) {
        const f = (v: string) => amount(BigInt(v));
        console.log(
          `\nPPS: credited ${f(pps.credited)}, block rewards ${f(pps.blockRewards)}, liability ${f(pps.liability)} ${o.coin}`,
        );
      }
      return 0;
    }
    case 'payouts run': {
      const report = await call('POST', `/admin/payouts/run${o.dryRun ? '?dryRun=1' : ''}`);
      if (report.status === 'dry-run') {
        const rs = report.recipients as { account: string; amount: string }[];
        if (rs.length === 0) console.log('nobody is due a payout');
        for (const r of rs) console.log(`would pay ${amount(BigInt(r.amount))} ${o.coin} to ${r.account}`);
      } else console.log(JSON.stringify(report, null, 2));
      return report.status === 'suspended' ? 1 : 0;
    }
    case 'payouts resume':
      await call('POST', '/admin/payouts/resume');
      console.log(`${o.coin} payouts resumed`);
      return 0;
    case 'ledger audit': {
      const result = await call('GET', '/admin/ledger/audit');
      if (result.ok) {
        console.log(`${o.coin} ledger audit passed: ${result.checked} entries`);
        return 0;
      }
      console.error(`${o.coin} ledger audit FAILED: ${result.problem}`);
      return 1;
    }
    case 'conversion deposits': {
      const { deposits, inventory, check } = (await call('GET', '/admin/conversion/deposits')) as {
        deposits: Array<Record<string, string | number>>;
        inventory: Array<{ exchange: string; amount: string }>;
        check: { open: number; mismatches?: Array<{ exchange: string; stored: string; expected: string }> };
      };
      if (deposits.length === 0) console.log('no deposits');
      else
        console.log(`${'deposit'.padEnd(44)}${'exchange'.padEnd(10)}${'amount'.padStart(16)}  status    age     txid`);
      const now = Date.now();
      for (const d of deposits) {
        const age = `${((now - Number(d.createdAt)) / 3_600_000).toFixed(1)}h`;
        const cols = [String(d.id).padEnd(44), String(d.exchange).padEnd(10), amount(BigInt(d.amount!)).padStart(16)];
        console.log(`${cols.join('')}  ${String(d.status).padEnd(9)} ${age.padEnd(7)} ${d.txid ?? '-'}`);
      }
      for (const i of inventory.filter((x) => BigInt(x.amount) > 0n)) {
        console.log(
          `held on ${i.exchange} (deposited, not sold; the wallet holds that much less): ${amount(BigInt(i.amount))} ${o.coin}`,
        );
      }
      if (check.open > 0) {
        console.log(`inventory check: skipped while ${check.open} conversion(s) are open`);
        return 0;
      }
      const mismatches = check.mismatches ?? [];
      for (const m of mismatches) {
        console.error(
          `inventory on ${m.exchange} is ${amount(BigInt(m.stored))} ${o.coin}, but the conversion and deposit records say ${amount(BigInt(m.expected))}`,
        );
      }
      if (mismatches.length > 0) return 1;
      console.log('inventory check: the stored inventory matches the conversion and deposit records');
      return 0;
    }
    default:
      console.error(`unknown command "${key}": see pool --help`);
      return 2;
  }
}

/** The admin routes' refusal as the pool's error: a malformed request or an unknown name as such, else by status. */
function refusal(status: number, message: string): PoolError {
  if (status === 400) return new BadRequestError(message);
  if (status === 404) return new NotFoundError(message);
  return new PoolError(message, `HTTP_${status}`);
}
