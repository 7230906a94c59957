import { type EtcDevnet, type EtcDevnetOptions, startEtcDevnet } from '../../local/devnet/core-geth.js';
import { withStartedInTempDir } from './devnet.js';

/**
 * One Ethereum Classic devnet (two peered core-geth nodes mining with zero threads, difficulty 256 unless told,
 * 1000 ETC in the pool's account from genesis) per test file, in a temp directory removed afterwards. Call at the
 * top of a describe block; the accessors throw if used before beforeAll ran. A first start takes about 2 s.
 */
export function withEtcDevnet(opts: Omit<EtcDevnetOptions, 'dataDir'> = {}): {
  get: () => EtcDevnet;
  dataDir: () => string;
} {
  return withStartedInTempDir('etc-devnet', (dataDir) => startEtcDevnet({ ...opts, dataDir }));
}
