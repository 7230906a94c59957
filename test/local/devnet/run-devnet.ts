/**
 * A process that starts a devnet (Litecoin's, or with BTC as second argument the Bitcoin one) in the directory given
 * as its argument, prints "ready" and idles: the tests kill it in various ways and check what happens to its daemons.
 */
import { startBtcDevnet } from '../../../local/devnet/btcd.js';
import { startDevnet } from '../../../local/devnet/index.js';

const [dir, coin = 'LTC'] = process.argv.slice(2);
if (!dir) throw new Error('usage: run-devnet.ts <dataDir> [LTC|BTC]');
await (coin === 'BTC' ? startBtcDevnet({ dataDir: dir }) : startDevnet({ dataDir: dir }));
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
