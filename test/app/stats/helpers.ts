import type { ApiDeps } from '../../../app/stats/api.js';
import type { PublicCoin } from '../../../app/stats/public.js';
import type { AuxAddressStore, AuxPayoutAddress } from '../../../core/ports/aux-address-store.js';

/** A coin as the stats API shows it: a PPLNS regtest coin without ports, unless `extra` says otherwise. */
export function testCoin(symbol: string, extra: Partial<PublicCoin> = {}): PublicCoin {
  return {
    symbol,
    network: 'regtest',
    scheme: 'PPLNS',
    feeBasisPoints: 100,
    payoutMinimum: '1000',
    ports: [],
    stratumHost: null,
    ...extra,
  };
}

/** The pool the stats tests serve: one LTC regtest coin. */
export const TEST_POOL: ApiDeps['pool'] = { name: 'test pool', coins: [testCoin('LTC')] };

/**
 * The AuxAddressStore port in memory, with the port's rules: a password's address is kept only when none is set; a
 * signed one replaces a password's and any older signed one. (The DynamoDB adapter is tested with the ledger tables.)
 */
export class MemoryAuxAddressStore implements AuxAddressStore {
  readonly items = new Map<string, AuxPayoutAddress>();

  async offerAuxAddress(coin: string, account: string, address: string, now: number): Promise<boolean> {
    if (this.items.has(`${coin}/${account}`)) return false;
    this.items.set(`${coin}/${account}`, { address, source: 'password', setAt: now });
    return true;
  }

  async setSignedAuxAddress(coin: string, account: string, address: string, signedAt: number): Promise<boolean> {
    const current = this.items.get(`${coin}/${account}`);
    if (current?.source === 'signed' && current.setAt >= signedAt) return false;
    this.items.set(`${coin}/${account}`, { address, source: 'signed', setAt: signedAt });
    return true;
  }

  async getAuxAddress(coin: string, account: string): Promise<AuxPayoutAddress | undefined> {
    return this.items.get(`${coin}/${account}`);
  }

  async listAuxAddresses(coin: string): Promise<Map<string, AuxPayoutAddress>> {
    const prefix = `${coin}/`;
    return new Map([...this.items].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  }
}
