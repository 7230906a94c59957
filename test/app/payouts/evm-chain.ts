import { type HDNodeWallet, Interface } from 'ethers';
import { createDocumentClient } from '../../../adapters/aws/dynamo-client.js';
import { DynamoMoneyStore } from '../../../adapters/aws/dynamo-money-store.js';
import { deployContract } from '../../../adapters/evm/evm-payout-sender.js';
import { PAYOUT_BATCH } from '../../../adapters/evm/payout-batch.generated.js';
import { entryId, type LedgerEntry } from '../../../core/ledger/ledger.js';
import { TEST_TOKEN } from '../../fixtures/evm/test-token.generated.js';
import { type Dynamo, startDynamo } from '../../helpers/dynamo.js';
import { type HardhatNode, startHardhat } from '../../helpers/hardhat.js';

export const TOKEN = new Interface(TEST_TOKEN.abi);

/** What the EVM payout tests start from: a Hardhat node and dynalite, the pool's wallet, its token and batch contract. */
export interface EvmPayoutChain {
  node: HardhatNode;
  dynamo: Dynamo;
  /** A USDT and an ETH ledger, each on its own fresh tables. */
  money: DynamoMoneyStore;
  /** Hardhat's first wallet, holding 10^12 units of the test token. */
  pool: HDNodeWallet;
  token: string;
  batch: { address: string; block: number };
  /** A transaction from the pool's wallet. */
  send: (to: string, data: string) => Promise<unknown>;
  /** What an account holds on chain: the test token for USDT, else the native coin. */
  onChain: (coin: string, account: string) => Promise<bigint>;
  /** Miners credited by a conversion (convert-in entries, a new reference each call) in the coin's ledger. */
  credit: (coin: string, owed: Array<[string, bigint]>) => Promise<void>;
}

export async function startEvmPayoutChain(now: number): Promise<EvmPayoutChain> {
  const [node, dynamo] = await Promise.all([startHardhat(), startDynamo()]);
  await dynamo.freshStore('USDT');
  const usdtTables = dynamo.lastTables!;
  await dynamo.freshStore('ETH');
  const ethTables = dynamo.lastTables!;
  const money = new DynamoMoneyStore(createDocumentClient(dynamo.client), (c) =>
    c === 'USDT' ? usdtTables : ethTables,
  );
  const pool = node.wallet(0);
  const token = (await deployContract(pool, node.provider, TEST_TOKEN)).address;
  const batch = await deployContract(pool, node.provider, PAYOUT_BATCH);
  const send = async (to: string, data: string) =>
    pool.sendTransaction({ to, data, nonce: await node.provider.getTransactionCount(pool.address, 'pending') });
  await send(token, TOKEN.encodeFunctionData('mint', [pool.address, 10n ** 12n]));
  let credits = 0;
  return {
    node,
    dynamo,
    money,
    pool,
    token,
    batch,
    send,
    onChain: async (coin, account) =>
      coin === 'USDT'
        ? BigInt(await node.provider.call({ to: token, data: TOKEN.encodeFunctionData('balanceOf', [account]) }))
        : BigInt(await node.provider.send('eth_getBalance', [account, 'latest'])),
    credit: async (coin, owed) => {
      const ref = `conv-LTC-${coin}-${++credits}`;
      const entries: LedgerEntry[] = owed.map(([account, amount]) => ({
        id: entryId('convert-in', ref, 'miner', account),
        account,
        kind: 'convert-in',
        role: 'miner',
        amount,
        ref,
        time: now,
      }));
      await money.putEntries(coin, entries);
    },
  };
}
