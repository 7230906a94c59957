import { EthNodeClient } from '../../adapters/rpc/eth-node-client.js';
import type { CoinConfig } from '../../core/config/schema.js';
import { ConfigError, DaemonError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';

/**
 * A node's work pays its etherbase (`--miner.etherbase`), which eth_getWork does not show: a node mining to another
 * address than the coin's poolAddress would have the pool's miners seal blocks that pay someone else (confirmation
 * credits them nothing). Each node that answers eth_coinbase is checked before the coin's port opens; one that
 * mines elsewhere is a ConfigError naming it. A node that is down is left to the failover (it is asked again when it
 * serves); one without eth_coinbase (an RPC error) is logged and trusted.
 */
export async function checkEtherbase(
  coin: Pick<Readonly<CoinConfig>, 'symbol' | 'poolAddress' | 'daemons'>,
  log: Pick<Logger, 'warn'>,
): Promise<void> {
  const pool = coin.poolAddress.toLowerCase();
  // Every node asked at once; a refusal names the first node in the configured order that mines elsewhere, not the
  // one that happened to answer first.
  const checks = await Promise.allSettled(
    coin.daemons.map(async (daemon) => {
      const client = new EthNodeClient(daemon, 2_000);
      let etherbase: string;
      try {
        etherbase = await client.call<string>('eth_coinbase');
      } catch (err) {
        if (err instanceof DaemonError && err.rpcCode !== undefined) {
          log.warn(
            { node: client.name, err: err.message },
            'cannot read the node etherbase; trusting it is poolAddress',
          );
        }
        return;
      }
      if (typeof etherbase !== 'string' || etherbase.toLowerCase() !== pool) {
        throw new ConfigError(
          `${coin.symbol}: node ${client.name} mines to ${String(etherbase)}, not poolAddress ${coin.poolAddress}: ` +
            'blocks found on its work would not pay the pool (start it with --miner.etherbase=<poolAddress>)',
        );
      }
    }),
  );
  const refused = checks.find((c) => c.status === 'rejected');
  if (refused) throw refused.reason;
}
