import { FetchRequest, getAddress, JsonRpcProvider, Wallet } from 'ethers';
import { EtcChainReader } from '../../adapters/evm/etc-chain-reader.js';
import { NativePayoutSender } from '../../adapters/evm/native-payout-sender.js';
import { ethashChain } from '../../core/coins/ethash-chains.js';
import { confirmationDepth, getCoin } from '../../core/coins/index.js';
import type { CoinConfig } from '../../core/config/schema.js';
import { ConfigError } from '../../core/errors.js';
import { MAX_UNCLE_DEPTH } from '../../core/rewards/ecip1017.js';
import type { ChainFamily } from '../chain-family.js';

/**
 * The Ethereum family (ETC on core-geth): work from eth_getWork, etchash shares over EthProxy and
 * EthereumStratum/1.0.0, blocks confirmed as blocks or uncles (ECIP-1017 rewards), payouts signed by the pool's key.
 */
export const ethereumFamily: ChainFamily = {
  name: 'ethereum',
  // The same stratum image as the Bitcoin family (its native addon has etchash); the nodes are private (money
  // functions in the VPC) and may sit behind an authenticating proxy (the daemons' credentials as a secret).
  deployment: { daemonSecret: true, moneyInVpc: true, stratumDockerfile: 'fargate/Dockerfile' },
  // EthereumStratum/1.0.0's extranonce (3 bytes at most) = a 1-byte task prefix ‖ a 2-byte counter. An EthProxy
  // miner chooses the whole nonce, so a share is not bound to its connection: ingest claims each share's hash.
  work: { taskPrefixBytes: 1, boundToConnection: false },
  money: {
    confirmation: (coin) => ({
      chain: new EtcChainReader(nodeRpc(coin), coin.poolAddress, ethashChain(getCoin(coin.symbol), coin.network)),
      maturity: confirmationDepth(coin),
      // A block not in the chain may still be included as an uncle up to MAX_UNCLE_DEPTH blocks later.
      unseenGrace: MAX_UNCLE_DEPTH + 1,
    }),
    payoutSender: (coin) => nativePayouts(coin),
    depositWallet: (coin) => {
      throw new ConfigError(`${coin.symbol}: conversion deposits to exchanges are not supported for this family`);
    },
  },
  // EthProxy and EthereumStratum/1.0.0 over the coin's nodes (eth_getWork with failover, each node checked to mine
  // to poolAddress) and the etchash addon: only the stratum runtimes load them.
  stratum: async () => {
    const [{ ethereumJobSource }, { startNodeWork }, { checkEtherbase }] = await Promise.all([
      import('./stratum.js'),
      import('./work-source.js'),
      import('./etherbase.js'),
    ]);
    return ethereumJobSource(async (ctx) => {
      await checkEtherbase(ctx.coin, ctx.log);
      return startNodeWork(ctx);
    });
  },
};

/**
 * Gas a payout of n recipients may use, bounded from above: PayoutBatch checks ~142,000 gas are left before each
 * transfer and one costs ~40,000 (a new account), plus the call itself and the gas-limit margin.
 */
const payoutGasBound = (recipients: number) => 250_000n + 50_000n * BigInt(recipients);

/**
 * Payouts signed by the pool's key (payouts.privateKey: the config's locally, the PayoutWallet secret's in AWS),
 * never an unlocked node account, sent through the PayoutBatch contract (payouts.contract) on the first node, for
 * the network's chain id. What the wallet can pay keeps back the gas of the largest payout at the gas price cap.
 */
function nativePayouts(coin: Readonly<CoinConfig>): NativePayoutSender {
  const p = coin.payouts;
  if (!p?.contract) throw new ConfigError(`${coin.symbol} has no payouts config (coins[].payouts with contract)`);
  if (!p.privateKey) {
    throw new ConfigError(
      `${coin.symbol}: no key for the pool address (payouts.privateKey locally, the coin stack's PayoutWallet secret in AWS)`,
    );
  }
  const signer = new Wallet(p.privateKey);
  // Blocks pay poolAddress: a key of another address would pay from an account the pool's rewards never reach.
  if (signer.address !== getAddress(coin.poolAddress)) {
    throw new ConfigError(
      `${coin.symbol}: the payout key is of ${signer.address}, not of poolAddress ${coin.poolAddress}`,
    );
  }
  const maxGasPrice = BigInt(p.maxGasPrice);
  return new NativePayoutSender({
    signer,
    rpc: nodeRpc(coin),
    chainId: ethashChain(getCoin(coin.symbol), coin.network).chainId,
    batch: p.contract,
    maxGasPrice,
    gasReserve: maxGasPrice * payoutGasBound(p.maxRecipients),
  });
}

/** The coin's first node over JSON-RPC, uncached (ethers shares identical calls for 250 ms otherwise). */
function nodeRpc(coin: Readonly<CoinConfig>): JsonRpcProvider {
  const daemon = coin.daemons[0]!;
  const request = new FetchRequest(daemon.url);
  // The node is private (loopback or the VPC); a proxy in front of it may ask for basic auth over plain HTTP.
  request.allowInsecureAuthentication = true;
  request.setCredentials(daemon.user, daemon.password);
  const chainId = ethashChain(getCoin(coin.symbol), coin.network).chainId;
  return new JsonRpcProvider(request, chainId, { staticNetwork: true, cacheTimeout: -1 });
}
