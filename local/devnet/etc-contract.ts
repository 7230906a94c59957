import { getAddress, Wallet } from 'ethers';
import { PAYOUT_BATCH } from '../../adapters/evm/payout-batch.generated.js';
import type { EthNodeClient } from '../../adapters/rpc/eth-node-client.js';
import { DaemonError } from '../../core/errors.js';
import type { EtcBlockMiner } from './etc-blocks.js';

/** Blocks mined waiting for the deployment: core-geth puts a new transaction into its work at the next head. */
const MAX_BLOCKS = 10;
/** Generous for PayoutBatch's creation (~600 k gas); the devnet's block gas limit is 8 M. */
const DEPLOY_GAS = 2_000_000n;

/**
 * The PayoutBatch contract ETC payouts go through (contracts/PayoutBatch.sol), on the ETC devnet: `known` when the
 * chain has its code, else deployed now from the pool's key (its float pays the gas) and mined with the devnet's
 * light-cache miner. Returns its address (EIP-55).
 */
export async function ensurePayoutContract(
  client: EthNodeClient,
  miner: EtcBlockMiner,
  o: { privateKey: string; chainId: number; known?: string },
): Promise<string> {
  if (o.known && (await client.call<string>('eth_getCode', [o.known, 'latest'])) !== '0x') return o.known;
  const wallet = new Wallet(o.privateKey);
  const nonce = Number(await client.call<string>('eth_getTransactionCount', [wallet.address, 'pending']));
  const gasPrice = BigInt(await client.call<string>('eth_gasPrice'));
  const signed = await wallet.signTransaction({
    type: 0,
    chainId: o.chainId,
    nonce,
    gasPrice,
    gasLimit: DEPLOY_GAS,
    data: PAYOUT_BATCH.bytecode,
  });
  const hash = await client.call<string>('eth_sendRawTransaction', [signed]);
  for (let i = 0; i < MAX_BLOCKS; i++) {
    await miner.mine(1);
    const receipt = await receiptOf(client, hash);
    if (!receipt) continue;
    if (receipt.status !== '0x1' || !receipt.contractAddress) {
      throw new DaemonError(`PayoutBatch deployment ${hash} failed on the ETC devnet (status ${receipt.status})`);
    }
    return getAddress(receipt.contractAddress);
  }
  throw new DaemonError(`PayoutBatch deployment ${hash} not mined after ${MAX_BLOCKS} blocks`);
}

/** The receipt, or null while there is none (core-geth answers an error while it still indexes transactions). */
async function receiptOf(
  client: EthNodeClient,
  hash: string,
): Promise<{ status: string; contractAddress: string | null } | null> {
  try {
    return await client.call('eth_getTransactionReceipt', [hash]);
  } catch (err) {
    if (err instanceof DaemonError && /indexing is in progress/.test(err.message)) return null;
    throw err;
  }
}
