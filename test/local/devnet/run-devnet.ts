/**
 * A process that starts a devnet in the directory given as its argument, prints "ready" and idles: the tests kill it
 * in various ways and check what happens to its litecoind children.
 */
import { startDevnet } from '../../../local/devnet/index.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: run-devnet.ts <dataDir>');
await startDevnet({ dataDir: dir });
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);
