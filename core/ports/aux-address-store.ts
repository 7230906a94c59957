/**
 * Merged mining: where a miner's aux chain rewards are paid. An aux coin's ledger credits the parent coin's mining
 * address (the account shares name); the miner gives an address on the aux chain in the mining password
 * (`doge=<address>`) or by a message signed with the mining address's key. Kept on the aux coin's ledger table
 * (`AUXADDR / <account>`). Without one, the account's aux rewards accrue and are not paid.
 */

export interface AuxPayoutAddress {
  /** The aux chain address, canonical spelling. */
  address: string;
  /** `password`: from a mining password, kept only while none is set; `signed`: from a signed message. */
  source: 'password' | 'signed';
  /** When it was set, ms since the epoch (a signed one: the message's own time). */
  setAt: number;
}

export interface AuxAddressStore {
  /**
   * A password's address: kept only when the account has none yet (the first one given stays; a stranger mining to
   * someone's address cannot redirect an address already set). true when stored now.
   */
  offerAuxAddress(coin: string, account: string, address: string, now: number): Promise<boolean>;
  /**
   * A signed message's address: replaces a password's and any older signed one (setAt older than `signedAt`). true
   * when stored now.
   */
  setSignedAuxAddress(coin: string, account: string, address: string, signedAt: number): Promise<boolean>;
  getAuxAddress(coin: string, account: string): Promise<AuxPayoutAddress | undefined>;
  /** Every account's address (the payout pass). */
  listAuxAddresses(coin: string): Promise<Map<string, AuxPayoutAddress>>;
}
