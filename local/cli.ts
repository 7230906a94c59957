import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { maskSecrets } from '../core/config/credentials.js';
import { parseConfigText } from '../core/config/load.js';
import { ConfigError, InvalidAddressError } from '../core/errors.js';

const USAGE = `Usage: pool <command> [options]

Commands:
  start [--config FILE]            run the pool; without --config, on a regtest devnet it starts itself
        [--stratum-port N] [--btc-stratum-port N] [--etc-stratum-port N] [--http-port N]
                                   ports of the devnet defaults (LTC 3333, BTC 3334, ETC 3335, HTTP 8080;
                                   0 = any free)
  devnet mine <n> [address] [--coin BTC|ETC|DOGE]   mine n devnet blocks (to the devnet miner wallet, or to address;
                                   ETC: with the light cache, to the pool address, the nodes' etherbase)
  config check <file>              validate a config file and print it with defaults applied (secrets masked)
  balances --coin SYM              every account's immature, confirmed, pending and paid balance
  payouts run --coin SYM [--dry-run]   run payouts now (dry run: print who would be paid what)
  payouts resume --coin SYM        resume payouts after a suspension
  ledger audit --coin SYM          check the ledger against blocks and payouts; non-zero exit on a mismatch
  conversion deposits --coin SYM   deposits to exchanges (state, age, txid) and the coins held on each exchange
  evm deploy-payout-batch --rpc-url URL   deploy the PayoutBatch contract for EVM payouts (key in POOL_EVM_KEY)

  balances, payouts, ledger and conversion talk to the running pool (\`npm start\`) of the data directory.

Options (every command):
  --data-dir DIR                   where local state lives (default: .data in the current directory)
  -h, --help                       this text`;

/** The devnet chains `pool devnet mine --coin` mines on, each loaded only when asked for. */
const DEVNET_MINERS: Record<
  string,
  () => Promise<(dataDir: string, n: number, address?: string) => Promise<string[]>>
> = {
  LTC: async () => (await import('./devnet/index.js')).devnetMine,
  BTC: async () => (await import('./devnet/btcd.js')).btcDevnetMine,
  ETC: async () => (await import('./devnet/core-geth.js')).etcDevnetMine,
  // The stand-in DOGE node's own blocks (generatetoaddress): they mature merge-mined DOGE blocks.
  DOGE: async () => (await import('./devnet/doge.js')).dogeStandinMine,
};

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      'data-dir': { type: 'string', default: '.data' },
      help: { type: 'boolean', short: 'h', default: false },
      coin: { type: 'string', default: 'LTC' },
      'stratum-port': { type: 'string', default: '3333' },
      'btc-stratum-port': { type: 'string', default: '3334' },
      'etc-stratum-port': { type: 'string', default: '3335' },
      'http-port': { type: 'string', default: '8080' },
      'dry-run': { type: 'boolean', default: false },
      'rpc-url': { type: 'string' },
    },
  });
  const dataDir = resolve(values['data-dir']!);
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  switch (command) {
    case 'start': {
      const { runPool } = await import('./run.js');
      return runPool({
        dataDir,
        configFile: values.config,
        ports: {
          stratum: Number(values['stratum-port']),
          btcStratum: Number(values['btc-stratum-port']),
          etcStratum: Number(values['etc-stratum-port']),
          http: Number(values['http-port']),
        },
      });
    }
    case 'devnet': {
      if (sub !== 'mine' || !rest[0] || !/^\d+$/.test(rest[0])) {
        console.error('usage: pool devnet mine <n> [address] [--coin LTC|BTC|ETC|DOGE]');
        return 2;
      }
      const coin = values.coin!.toUpperCase();
      const miner = DEVNET_MINERS[coin];
      if (!miner) {
        console.error(`the devnet has no ${coin} chain (${Object.keys(DEVNET_MINERS).join(', ')})`);
        return 2;
      }
      const hashes = await (await miner())(dataDir, Number(rest[0]), rest[1]);
      console.log(`mined ${hashes.length} block(s); tip ${hashes.at(-1) ?? '(none)'}`);
      return 0;
    }
    case 'config': {
      if (sub !== 'check' || !rest[0]) {
        console.error('usage: pool config check <file>');
        return 2;
      }
      const text = await readFile(rest[0], 'utf8');
      const config = parseConfigText(text, rest[0]);
      // Passwords and keys are masked: the output ends up in terminals, logs and issue reports.
      console.log(JSON.stringify(maskSecrets(config), null, 2));
      console.error(`${rest[0]}: valid (${config.coins.length} coin(s))`);
      return 0;
    }
    case 'balances':
    case 'payouts':
    case 'ledger':
    case 'conversion': {
      const { operate } = await import('./operate.js');
      return operate({ dataDir, command, sub, coin: values.coin!.toUpperCase(), dryRun: values['dry-run']! });
    }
    case 'evm': {
      if (sub !== 'deploy-payout-batch') {
        console.error('usage: pool evm deploy-payout-batch --rpc-url URL (key in POOL_EVM_KEY)');
        return 2;
      }
      const { deployPayoutBatch } = await import('./evm.js');
      return deployPayoutBatch({ rpcUrl: values['rpc-url'], env: process.env });
    }
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // What the operator typed or configured was wrong: the message says what; a stack would bury it.
    if (err instanceof ConfigError || err instanceof InvalidAddressError) console.error(err.message);
    else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
