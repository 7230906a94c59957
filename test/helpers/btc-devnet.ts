import { type BtcDevnet, type BtcDevnetOptions, startBtcDevnet } from '../../local/devnet/btcd.js';
import { withStartedInTempDir } from './devnet.js';

/**
 * One Bitcoin devnet (btcd --simnet + btcwallet, segwit and taproot active, 10 BTC in the pool's "default" account)
 * per test file, in a temp directory removed afterwards. Call at the top of a describe block; the accessors throw
 * if used before beforeAll ran. A first start takes about 3 s.
 */
export function withBtcDevnet(opts: Omit<BtcDevnetOptions, 'dataDir'> = {}): {
  get: () => BtcDevnet;
  dataDir: () => string;
} {
  return withStartedInTempDir('btc-devnet', (dataDir) => startBtcDevnet({ ...opts, dataDir }));
}
