import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuxAddressStore } from '../../../adapters/aws/dynamo-aux-address-store.js';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import { auxAddressChangedSchema, auxAddressViewSchema, errorSchema } from '../../../app/stats/schema.js';
import { auxAddressMessage } from '../../../core/ledger/aux-address-message.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { type SigningKind, testKey } from '../../helpers/message-signer.js';
import { testCoin } from './helpers.js';

const NOW = Date.parse('2027-01-15T12:00:00.000Z');
/** The miner's LTC key (its mining addresses) and two DOGE wallets of theirs. */
const miner = testKey('LTC', 'regtest');
const DOGE_1 = testKey('DOGE', 'regtest', 11).address.p2pkh;
const DOGE_2 = testKey('DOGE', 'regtest', 12).address.p2pkh;

/** Setting the aux payout address by a message the LTC mining address's key signed (merged mining). */
describe('aux payout address in the stats API (signed by the mining address key)', () => {
  let dynamo: Dynamo;
  let store: DynamoAuxAddressStore;
  let deps: ApiDeps;
  let now: number;
  beforeAll(async () => {
    dynamo = await startDynamo();
  });
  afterAll(() => dynamo.close());
  beforeEach(async () => {
    now = NOW;
    // AUXADDR items on a fresh DOGE ledger table, as ingest and this API keep them.
    await dynamo.freshStore('DOGE');
    const ledger = dynamo.lastTables!.ledger;
    store = new DynamoAuxAddressStore({ doc: createDocumentClient(dynamo.client), ledgerTable: () => ledger });
    // Routes that read no money or shares: any such read fails the test.
    const unreachable = new Proxy({}, { get: () => () => Promise.reject(new Error('storage was read')) });
    deps = {
      pool: { name: 'edgepool', coins: [testCoin('LTC'), testCoin('DOGE', { mergedWith: 'LTC' })] },
      rounds: unreachable,
      miners: unreachable,
      poolStats: unreachable,
      money: unreachable,
      auxAddresses: store,
      now: () => now,
    } as unknown as ApiDeps;
  });

  const path = (account: string, symbol = 'DOGE') => `/api/pools/${symbol}/miners/${account}/payout-address`;
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await handleApi(
      {
        method,
        path: p,
        query: new URLSearchParams(),
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      },
      deps,
    );
    return { status: res.status, body: JSON.parse(res.body) };
  };
  /** The request the dashboard sends: the DOGE address, the time and the signature of the message it showed. */
  const signed = (
    kind: SigningKind | 'bip322',
    address: string,
    time: number,
    opts: { key?: typeof miner; account?: string; pool?: string; coin?: string } = {},
  ) => {
    const key = opts.key ?? miner;
    const account = opts.account ?? (kind === 'bip322' ? miner.address.p2wpkh : miner.address[kind]);
    const signedAt = new Date(time).toISOString();
    const message = auxAddressMessage({
      pool: opts.pool ?? 'edgepool',
      coin: opts.coin ?? 'DOGE',
      account,
      address,
      time: signedAt,
    });
    const signature = kind === 'bip322' ? key.signBip322(message) : key.signBip137(message, kind);
    return { address, signedAt, signature };
  };
  const current = async (account = miner.address.p2wpkh) =>
    auxAddressViewSchema.parse((await call('GET', path(account))).body).address;

  it('shows no address yet and the exact message to sign, naming the pool, the aux coin and the mining address', async () => {
    const { status, body } = await call('GET', path(miner.address.p2wpkh));
    expect(status).toBe(200);
    const view = auxAddressViewSchema.parse(body);
    expect(view).toMatchObject({ coin: 'DOGE', mergedWith: 'LTC', account: miner.address.p2wpkh, address: null });
    expect(view.sign.message).toBe(
      auxAddressMessage({
        pool: 'edgepool',
        coin: 'DOGE',
        account: miner.address.p2wpkh,
        address: '<address>',
        time: '<time>',
      }),
    );
    expect(view.sign).toMatchObject({ pool: 'edgepool', windowSeconds: 600 });
  });

  it.each(['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'bip322'] as const)(
    'replaces the password’s address with one signed by the mining address key (%s)',
    async (kind) => {
      const account = kind === 'bip322' ? miner.address.p2wpkh : miner.address[kind];
      await store.offerAuxAddress('DOGE', account, DOGE_1, NOW - 3_600_000);
      expect(await current(account)).toMatchObject({ address: DOGE_1, source: 'password' });
      const res = await call('POST', path(account), signed(kind, DOGE_2, now - 5_000));
      expect(res.status).toBe(200);
      expect(auxAddressChangedSchema.parse(res.body).address).toEqual({
        address: DOGE_2,
        source: 'signed',
        setAt: now - 5_000,
      });
      expect(await current(account)).toEqual({ address: DOGE_2, source: 'signed', setAt: now - 5_000 });
      // Whatever password a miner (or a stranger mining to this address) gives later, the signed one stays.
      expect(await store.offerAuxAddress('DOGE', account, DOGE_1, now)).toBe(false);
      expect((await current(account))?.address).toBe(DOGE_2);
    },
  );

  it('replaces a password’s address given after the message was signed (a password proves nothing)', async () => {
    const account = miner.address.p2wpkh;
    const request = signed('p2wpkh', DOGE_2, now - 60_000);
    // Someone mines to this address with their own doge= password between the signing and the submission.
    await store.offerAuxAddress('DOGE', account, DOGE_1, now - 1_000);
    expect((await call('POST', path(account), request)).status).toBe(200);
    expect(await current()).toEqual({ address: DOGE_2, source: 'signed', setAt: now - 60_000 });
  });

  it('refuses a signature by another key with 403, and changes nothing', async () => {
    const thief = testKey('LTC', 'regtest', 7);
    await store.offerAuxAddress('DOGE', miner.address.p2wpkh, DOGE_1, NOW - 60_000);
    const res = await call(
      'POST',
      path(miner.address.p2wpkh),
      signed('p2wpkh', DOGE_2, now, { key: thief, account: miner.address.p2wpkh }),
    );
    expect(res.status).toBe(403);
    expect(errorSchema.parse(res.body).error).toContain(`not by the key of ${miner.address.p2wpkh}`);
    expect(await current()).toMatchObject({ address: DOGE_1, source: 'password' });
  });

  it('refuses a signature over another address, pool or aux coin than the request names', async () => {
    const account = miner.address.p2wpkh;
    const moved = { ...signed('p2wpkh', DOGE_1, now), address: DOGE_2 };
    expect((await call('POST', path(account), moved)).status).toBe(403);
    expect((await call('POST', path(account), signed('p2wpkh', DOGE_2, now, { pool: 'other pool' }))).status).toBe(403);
    expect((await call('POST', path(account), signed('p2wpkh', DOGE_2, now, { coin: 'LTC' }))).status).toBe(403);
    expect(await current()).toBeNull();
  });

  it('refuses a stale, future-dated or reused signed time, and an older signed address', async () => {
    const account = miner.address.p2wpkh;
    expect((await call('POST', path(account), signed('p2wpkh', DOGE_1, now - 11 * 60_000))).body.error).toMatch(
      /more than 10 minutes ago/,
    );
    expect((await call('POST', path(account), signed('p2wpkh', DOGE_1, now + 3 * 60_000))).body.error).toMatch(
      /future/,
    );
    expect(await current()).toBeNull();
    const first = signed('p2wpkh', DOGE_1, now - 60_000);
    expect((await call('POST', path(account), first)).status).toBe(200);
    // The same request again (a replay), and one signed earlier than the address set, are refused.
    const again = await call('POST', path(account), first);
    expect(again.status).toBe(403);
    expect(again.body.error).toContain('not newer');
    expect((await call('POST', path(account), signed('p2wpkh', DOGE_2, now - 120_000))).status).toBe(403);
    expect((await current())?.address).toBe(DOGE_1);
    // A later one replaces it.
    expect((await call('POST', path(account), signed('p2wpkh', DOGE_2, now))).status).toBe(200);
    expect((await current())?.address).toBe(DOGE_2);
  });

  it('refuses an address that is not the aux coin’s on its network with 400, even signed', async () => {
    const account = miner.address.p2wpkh;
    const mainnetDoge = 'DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L';
    for (const bad of [miner.address.p2wpkh, mainnetDoge, 'not-an-address']) {
      const res = await call('POST', path(account), signed('p2wpkh', bad, now));
      expect(res.status, bad).toBe(400);
      expect(errorSchema.parse(res.body).error).toMatch(/DOGE/);
    }
    expect(await current()).toBeNull();
  });

  it('answers a malformed request 400, a coin that is not merge-mined 404, a store race 409', async () => {
    const account = miner.address.p2wpkh;
    const bad = await call('POST', path(account), '{');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^expected JSON \{address, signedAt, signature\}/);
    expect((await call('POST', path(account), { address: DOGE_1 })).status).toBe(400);
    // LTC pays the mining address itself: it has no aux payout address.
    expect((await call('GET', path(account, 'LTC'))).status).toBe(404);
    expect((await call('POST', path(account, 'LTC'), signed('p2wpkh', DOGE_1, now))).status).toBe(404);
    // The mining address is LTC's: a DOGE address there is refused before anything is read.
    expect((await call('GET', path(DOGE_1.replace(/.$/, 'x')))).status).toBe(400);
    // An API without the aux address store (none wired) keeps nothing: 404, not 500.
    const withoutStore = await handleApi(
      {
        method: 'POST',
        path: path(account),
        query: new URLSearchParams(),
        body: JSON.stringify(signed('p2wpkh', DOGE_1, now)),
      },
      { ...deps, auxAddresses: undefined },
    );
    expect(withoutStore.status).toBe(404);
    // A newer signed address stored between the check and the write wins.
    store.setSignedAuxAddress = async () => false;
    const raced = await call('POST', path(account), signed('p2wpkh', DOGE_1, now));
    expect(raced.status).toBe(409);
  });
});
