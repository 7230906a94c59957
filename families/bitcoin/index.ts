import { BitcoinChainReader } from '../../adapters/rpc/bitcoin-chain-reader.js';
import { BtcwalletPayoutSender } from '../../adapters/rpc/btcwallet-payout-sender.js';
import { DaemonClient } from '../../adapters/rpc/daemon-client.js';
import { WalletPayoutSender } from '../../adapters/rpc/wallet-payout-sender.js';
import { WalletReceiptReader } from '../../adapters/rpc/wallet-receipts.js';
import { addressToOutputScript, confirmationDepth, getCoin } from '../../core/coins/index.js';
import type { CoinConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { TASK_PREFIX_BYTES } from '../../fargate/src/stratum/extranonce.js';
import type { ChainFamily } from '../chain-family.js';

/**
 * The Bitcoin family (LTC, BTC): getblocktemplate from bitcoind-like daemons, scrypt/sha256d shares over Stratum V1,
 * payouts by the daemon's wallet RPC (sendmany) or btcwallet (signed first, payouts.walletRpc), blocks confirmed at
 * the coin's coinbase maturity.
 */
export const bitcoinFamily: ChainFamily = {
  name: 'bitcoin',
  deployment: { daemonSecret: true, moneyInVpc: true, stratumDockerfile: 'fargate/Dockerfile' },
  // Each share's coinbase carries its connection's extranonce1 (task prefix ‖ counter): bound to the connection.
  work: { taskPrefixBytes: TASK_PREFIX_BYTES, boundToConnection: true },
  money: {
    // The first daemon: confirmation reads blocks and the tip, PPS walks heights. The pool's output script too: a
    // node that names no address in its decoded outputs (a boolean-only getblock, see DaemonClient) still pays it.
    confirmation: (coin) => {
      const def = getCoin(coin.symbol);
      const poolScript = addressToOutputScript(def, coin.network, coin.poolAddress).toString('hex');
      return {
        chain: new BitcoinChainReader(firstDaemon(coin), coin.poolAddress, def.decimals, poolScript),
        maturity: confirmationDepth(coin),
      };
    },
    payoutSender: (coin) => {
      const payouts = coin.payouts;
      if (payouts?.walletRpc !== 'btcwallet')
        return poolWallet(coin, `${coin.symbol} has no payouts config (coins[].payouts)`);
      // btcwallet: its own endpoint (no wallet paths), the first daemon's credentials.
      const daemon = coin.daemons[0]!;
      return new BtcwalletPayoutSender({
        wallet: new DaemonClient({ url: payouts.walletUrl!, user: daemon.user, password: daemon.password }),
        coin: getCoin(coin.symbol),
        network: coin.network,
        poolAddress: coin.poolAddress,
        feeRate: BigInt(payouts.feeRate),
        ...(payouts.walletPassphrase ? { passphrase: payouts.walletPassphrase } : {}),
      });
    },
    // Deposits leave from the payouts wallet: the coins the miners' convert-out entries took out of their balances.
    depositWallet: (coin) => {
      if (coin.payouts?.walletRpc === 'btcwallet') {
        throw new ConfigError(
          `${coin.symbol}: conversion deposits are sent with sendmany tagged by id, which btcwallet refuses; use walletRpc "core"`,
        );
      }
      return poolWallet(
        coin,
        `${coin.symbol}: deposits to exchanges are sent from the payouts wallet (coins[].payouts)`,
      );
    },
    // The wallet that holds the pool address (the payouts wallet, or the node's root without a wallet name).
    upstreamWallet: (coin) => new WalletReceiptReader(poolWalletClient(coin), getCoin(coin.symbol).decimals),
  },
  // The job manager and the native hashing addon: only the stratum runtimes load them.
  stratum: async () => (await import('./stratum.js')).bitcoinStratum,
};

function firstDaemon(coin: Readonly<CoinConfig>): DaemonClient {
  return new DaemonClient(coin.daemons[0]!);
}

/**
 * The pool's wallet on the first daemon, sending with sendmany: `/wallet/<coins[].payouts.wallet>`, or without a
 * wallet name the daemon's root, where a node with one wallet answers wallet calls (Dogecoin Core 1.14 has no
 * `/wallet/` path at all). `missing` if the coin has no payouts config.
 */
function poolWallet(coin: Readonly<CoinConfig>, missing: string): WalletPayoutSender {
  if (!coin.payouts) throw new ConfigError(missing);
  return new WalletPayoutSender(poolWalletClient(coin), getCoin(coin.symbol).decimals);
}

function poolWalletClient(coin: Readonly<CoinConfig>): DaemonClient {
  const daemon = firstDaemon(coin);
  return coin.payouts?.wallet ? daemon.withWallet(coin.payouts.wallet) : daemon;
}
