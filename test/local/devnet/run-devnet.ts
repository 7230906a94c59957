/**
 * A process that starts a devnet (Litecoin's, or with BTC or ETC as second argument the Bitcoin or ETC one) in the directory given
 * as its argument, prints "ready" and idles: the tests kill it in various ways and check what happens to its daemons.
 */
import { startBtcDevnet } from '../../../local/devnet/btcd.js';
import { startEtcDevnet } from '../../../local/devnet/core-geth.js';
import { startDevnet } from '../../../local/devnet/index.js';

const [dir, coin = 'LTC'] = process.argv.slice(2);
if (!dir) throw new Error('usage: run-devnet.ts <dataDir> [LTC|BTC|ETC]');
if (coin === 'ETC') {
  // two blocks past genesis, so that "the chain is intact" after a kill means more than the genesis block
  await (await startEtcDevnet({ dataDir: dir })).mine(2);
} else await (coin === 'BTC' ? startBtcDevnet({ dataDir: dir }) : startDevnet({ dataDir: dir }));
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
