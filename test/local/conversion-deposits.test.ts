import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../adapters/aws/dynamo-client.js';
import { DynamoConversionStore } from '../../adapters/aws/dynamo-conversion-store.js';
import { ensureTables, tableNames } from '../../adapters/aws/tables.js';
import type { DepositRecord } from '../../core/conversion/deposit.js';
import { applyChange, emptyInventory, leftoverKey } from '../../core/conversion/inventory.js';
import { createAdminRoutes, ensureAdminToken } from '../../local/admin.js';
import { depositListing } from '../../local/conversion.js';
import { operate } from '../../local/operate.js';
import { type Dynamo, startDynamo } from '../helpers/dynamo.js';

const HOUR = 3_600_000;

/** `pool conversion deposits` against a running pool's admin route, its records on dynalite. */
describe('pool conversion deposits', () => {
  let dynamo: Dynamo;
  let server: Server;
  let dir: string;
  beforeAll(async () => {
    dynamo = await startDynamo();
    await ensureTables(dynamo.client, 'cli', 'LTC');
    const store = new DynamoConversionStore(createDocumentClient(dynamo.client), (c) => tableNames('cli', c));
    const now = Date.now();
    /** A deposit made `hoursAgo`, moved along its states as the conversion pass moves it. */
    const deposit = async (id: string, hoursAgo: number, txid: string, credited: boolean) => {
      const record: DepositRecord = {
        id,
        conversion: id.slice(4, -2),
        leg: 0,
        coin: 'LTC',
        exchange: 'binance',
        amount: 150_000_000n,
        address: 'ltc1qexchange',
        status: 'pending',
        createdAt: now - hoursAgo * HOUR,
        updatedAt: now,
      };
      await store.createDeposit('LTC', record);
      await store.transitionDeposit('LTC', id, 'pending', 'sending');
      await store.transitionDeposit('LTC', id, 'sending', 'sent', { txid });
      if (credited) await store.transitionDeposit('LTC', id, 'sent', 'credited', { exchangeDepositId: '7' });
    };
    await deposit('dep-conv-LTC-BTC-1-0', 30, 'aa'.repeat(32), true);
    await deposit('dep-conv-LTC-BTC-2-0', 26, 'bb'.repeat(32), false);
    const held = applyChange(emptyInventory('binance'), leftoverKey('conv-LTC-BTC-1', 0), 40_000n, now);
    await store.putInventory('LTC', held, 0);
    const stub = () => Promise.reject(new Error('not in this test'));
    dir = await mkdtemp(join(tmpdir(), 'deposits-'));
    const token = await ensureAdminToken(dir);
    const routes = createAdminRoutes(
      (coin) =>
        coin === 'LTC'
          ? {
              balances: stub,
              payouts: stub,
              resume: stub,
              audit: stub,
              conversion: { deposits: () => depositListing(store, 'LTC') },
            }
          : undefined,
      { token },
    );
    server = createServer((req, res) => void routes(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await writeFile(join(dir, 'pool.json'), JSON.stringify({ http: `http://127.0.0.1:${port}` }));
  });
  afterAll(async () => {
    server.close();
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every deposit with its state, age and txid, the coins held on each exchange, and checks them', async () => {
    const out: string[] = [];
    const errors: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const err = vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      const code = await operate({ dataDir: dir, command: 'conversion', sub: 'deposits', coin: 'LTC', dryRun: false });
      // The inventory here was written without any conversion record behind it: the check says so and fails.
      expect(code).toBe(1);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
    expect(errors).toEqual([
      'inventory on binance is 0.00040000 LTC, but the conversion and deposit records say 0.00000000',
    ]);
    expect(out[0]).toMatch(/^deposit\s+exchange\s+amount\s+status\s+age\s+txid$/);
    expect(out[1]).toMatch(/^dep-conv-LTC-BTC-1-0\s+binance\s+1\.50000000\s+credited\s+30\.0h\s+a{64}$/);
    expect(out[2]).toMatch(/^dep-conv-LTC-BTC-2-0\s+binance\s+1\.50000000\s+sent\s+26\.0h\s+b{64}$/);
    expect(out[3]).toBe('held on binance (deposited, not sold; the wallet holds that much less): 0.00040000 LTC');
  });

  it('says so for a coin that does not convert', async () => {
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await expect(
        operate({ dataDir: dir, command: 'conversion', sub: 'deposits', coin: 'DOGE', dryRun: false }),
      ).rejects.toThrow(/no rewards configured for coin "DOGE"/);
    } finally {
      err.mockRestore();
    }
  });
});
