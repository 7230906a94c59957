import type { PpsChain } from '../../core/ports/chain-reader.js';
import type { PayoutSender } from '../../core/ports/payout-sender.js';
import { bitcoinFamily } from '../../families/bitcoin/index.js';
import type { ChainFamily } from '../../families/chain-family.js';

/**
 * A chain family whose nodes take no RPC credentials and are reachable from outside the VPC (deployment
 * { daemonSecret: false, moneyInVpc: false }), registered only by the tests that use it. Its money parts are stand-ins
 * that record the coins they were built for; its stratum part is the Bitcoin family's.
 */
export function openNodesFamily() {
  const built: { confirmation: string[]; depositWallet: string[] } = { confirmation: [], depositWallet: [] };
  const wallet = { spendable: async () => 0n } as unknown as PayoutSender;
  const family: ChainFamily = {
    name: 'open-nodes',
    deployment: { daemonSecret: false, moneyInVpc: false, stratumDockerfile: 'fargate/Dockerfile' },
    work: bitcoinFamily.work,
    money: {
      confirmation: (coin) => {
        built.confirmation.push(coin.symbol);
        return { chain: {} as PpsChain, maturity: 10 };
      },
      payoutSender: () => wallet,
      depositWallet: (coin) => {
        built.depositWallet.push(coin.symbol);
        return wallet;
      },
    },
    stratum: bitcoinFamily.stratum,
  };
  return { family, built, wallet };
}
