import { SIGNED_REQUEST_WINDOW_MS } from '../../core/coins/signed-request.js';
import { BadRequestError, NotFoundError, PoolError } from '../../core/errors.js';
import { auxAddressMessage } from '../../core/ledger/aux-address-message.js';
import { checkSignedAuxAddress } from '../../core/ledger/signed-aux-address.js';
import type { AuxAddressStore, AuxPayoutAddress } from '../../core/ports/aux-address-store.js';
import type { PublicCoin } from './public.js';
import { type AuxAddressView, auxAddressChangeSchema } from './schema.js';

/**
 * Merged mining in the stats API: where a miner's aux chain rewards are paid. The aux coin's ledger credits the
 * parent's mining address; the aux address comes from the mining password or from a message signed by the mining
 * address's key, set here (the stats API's only write besides the payout currency, and only of `AUXADDR` items).
 */

/** What the aux routes need: the pool's name (signed messages carry it), its coins, the clock, the store. */
export interface AuxAddressRouteDeps {
  pool: { name: string; coins: readonly PublicCoin[] };
  /** The miners' aux payout addresses (the aux coins' ledger tables); without it none is shown or set. */
  auxAddresses?: Pick<AuxAddressStore, 'getAuxAddress' | 'setSignedAuxAddress'>;
  now: () => number;
}

/** A newer signed aux address was stored between the check and the write (two changes at once): 409. */
export class AuxAddressConflictError extends PoolError {
  constructor(message: string) {
    super(message, 'AUX_ADDRESS_CONFLICT');
  }
}

/** The parent of a merge-mined coin (404 for a coin that is not one: it pays the mining address itself). */
export function parentOf(pool: AuxAddressRouteDeps['pool'], coin: PublicCoin): PublicCoin {
  const parent = coin.mergedWith === undefined ? undefined : pool.coins.find((c) => c.symbol === coin.mergedWith);
  if (!parent) {
    throw new NotFoundError(`${coin.symbol} is not merge-mined on this pool: its rewards go to the mining address`);
  }
  return parent;
}

/** A stored aux address as the API shows it (the address is the miner's text: clients display it escaped). */
export function auxAddressOf(a: AuxPayoutAddress | undefined) {
  return a ? { address: a.address, source: a.source, setAt: a.setAt } : null;
}

/**
 * GET /api/pools/{aux}/miners/{account}/payout-address: the aux address set for the mining address `account` (an
 * address of the parent coin) and the message to sign to change it.
 */
export async function auxAddressView(
  deps: AuxAddressRouteDeps,
  coin: PublicCoin,
  account: string,
): Promise<AuxAddressView> {
  const parent = parentOf(deps.pool, coin);
  return {
    coin: coin.symbol,
    mergedWith: parent.symbol,
    account,
    address: auxAddressOf(await deps.auxAddresses?.getAuxAddress(coin.symbol, account)),
    sign: {
      pool: deps.pool.name,
      message: auxAddressMessage({
        pool: deps.pool.name,
        coin: coin.symbol,
        account,
        address: '<address>',
        time: '<time>',
      }),
      windowSeconds: SIGNED_REQUEST_WINDOW_MS / 1000,
    },
  };
}

/**
 * POST /api/pools/{aux}/miners/{account}/payout-address with {address, signedAt, signature}: sets the aux address,
 * only with a signature by the mining address's key (core/ledger/signed-aux-address.ts); replaces a password's
 * address or an older signed one. Throws NotFoundError (404: not an aux coin, or no store), BadRequestError /
 * InvalidAddressError (400), SignatureNotAuthorizedError (403), AuxAddressConflictError (409).
 */
export async function changeAuxAddress(
  deps: AuxAddressRouteDeps,
  coin: PublicCoin,
  account: string,
  body: string | undefined,
) {
  const parent = parentOf(deps.pool, coin);
  const store = deps.auxAddresses;
  if (!store) throw new NotFoundError(`aux payout addresses are not kept by this API (${coin.symbol})`);
  const request = changeRequest(body);
  const current = await store.getAuxAddress(coin.symbol, account);
  const { address, signedAt } = checkSignedAuxAddress({
    pool: deps.pool.name,
    parent,
    aux: coin,
    account,
    request: { address: request.address, time: request.signedAt, signature: request.signature },
    current,
    now: deps.now(),
  });
  if (!(await store.setSignedAuxAddress(coin.symbol, account, address, signedAt))) {
    throw new AuxAddressConflictError(`a newer signed ${coin.symbol} payout address was stored meanwhile`);
  }
  return { address: { address, source: 'signed' as const, setAt: signedAt } };
}

function changeRequest(body: string | undefined) {
  try {
    return auxAddressChangeSchema.parse(JSON.parse(body || '{}'));
  } catch (err) {
    throw new BadRequestError(`expected JSON {address, signedAt, signature}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
