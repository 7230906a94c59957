import { JsonRpcProvider, Wallet } from 'ethers';
import { deployContract } from '../adapters/evm/evm-payout-sender.js';
import { PAYOUT_BATCH } from '../adapters/evm/payout-batch.generated.js';
import { ConfigError } from '../core/errors.js';

/** The environment variable holding the pool wallet's key: never a command-line argument (shell history, `ps`). */
export const EVM_KEY_ENV = 'POOL_EVM_KEY';

/**
 * `pool evm deploy-payout-batch --rpc-url URL`: deploys the PayoutBatch contract (adapters/evm) from the pool
 * wallet whose key is in POOL_EVM_KEY, and prints what a conversion target's `payouts` block needs: the contract
 * address and the deployment block (where findPayout starts searching).
 */
export async function deployPayoutBatch(o: { rpcUrl?: string; env: NodeJS.ProcessEnv }): Promise<number> {
  if (!o.rpcUrl) throw new ConfigError('usage: pool evm deploy-payout-batch --rpc-url URL (key in POOL_EVM_KEY)');
  const key = o.env[EVM_KEY_ENV]?.trim();
  if (!key) throw new ConfigError(`${EVM_KEY_ENV} must hold the pool wallet's private key (0x hex)`);
  const provider = new JsonRpcProvider(o.rpcUrl, undefined, { cacheTimeout: -1 });
  try {
    const signer = new Wallet(key, provider);
    const { address, block } = await deployContract(signer, provider, PAYOUT_BATCH);
    console.log(JSON.stringify({ contract: address, deploymentBlock: block, from: signer.address }, null, 2));
    console.error(`PayoutBatch deployed at ${address} (block ${block}): put both in the target's payouts block`);
    return 0;
  } finally {
    provider.destroy();
  }
}
