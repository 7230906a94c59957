import { validateAddress } from '../coins/address.js';
import { getCoin, type NetworkName } from '../coins/registry.js';
import { checkSignedRequest, type SignedRequest } from '../coins/signed-request.js';
import type { AuxPayoutAddress } from '../ports/aux-address-store.js';
import { auxAddressMessage } from './aux-address-message.js';

/** What a miner submits to set an aux payout address: the address, the signed time (ISO 8601) and the signature. */
export interface SignedAuxAddressRequest extends SignedRequest {
  address: string;
}

/**
 * A miner's aux payout address (merged mining), accepted only when the key of the mining address `account` (an
 * address of the parent coin) signed auxAddressMessage naming this `pool`, the aux coin and that address, within the
 * signed-request window (core/coins/signed-request.ts), later than a signed address it replaces (a password's address
 * is replaced whatever its time: it proves nothing); the address must be the aux coin's, on its network. Returns what
 * AuxAddressStore.setSignedAuxAddress stores: the aux address in its canonical spelling and the signed time.
 * Throws SignatureNotAuthorizedError (403) or InvalidAddressError (400).
 */
export function checkSignedAuxAddress(p: {
  pool: string;
  parent: { symbol: string; network: NetworkName };
  aux: { symbol: string; network: NetworkName };
  account: string;
  request: SignedAuxAddressRequest;
  current: AuxPayoutAddress | undefined;
  now: number;
}): { address: string; signedAt: number } {
  const { request } = p;
  const signedAt = checkSignedRequest({
    coin: p.parent,
    account: p.account,
    request,
    message: (time) =>
      auxAddressMessage({ pool: p.pool, coin: p.aux.symbol, account: p.account, address: request.address, time }),
    notBefore: p.current?.source === 'signed' ? p.current.setAt : undefined,
    replaces: `the ${p.aux.symbol} payout address set`,
    now: p.now,
  });
  // The codec's refusal names the coin and the reason (InvalidAddressError, 400).
  const address = validateAddress(getCoin(p.aux.symbol), p.aux.network, request.address);
  return { address, signedAt };
}
