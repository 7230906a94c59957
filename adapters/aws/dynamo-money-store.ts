import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  BlockStore,
  LedgerStateStore,
  LedgerStore,
  MoneyStore,
  PayoutStore,
} from '../../core/ports/money-store.js';
import type { UpstreamPayoutStore } from '../../core/ports/upstream-payouts.js';
import { DynamoBlockStore } from './dynamo-block-store.js';
import { DynamoLedgerStateStore } from './dynamo-ledger-state.js';
import { DynamoLedgerStore } from './dynamo-ledger-store.js';
import { DynamoPayoutStore } from './dynamo-payout-store.js';
import { DynamoUpstreamPayoutStore } from './dynamo-upstream-payouts.js';
import type { TableNames } from './tables.js';

/**
 * Money on DynamoDB, the four ports in one object as the composition roots pass it: blocks (dynamo-block-store.ts),
 * ledger entries and balances (dynamo-ledger-store.ts), payouts (dynamo-payout-store.ts) and the passes' state
 * (dynamo-ledger-state.ts), and proxy mining's upstream payouts (dynamo-upstream-payouts.ts). Each method is the part's
 * own.
 */
export class DynamoMoneyStore implements MoneyStore, UpstreamPayoutStore {
  private readonly blocks: DynamoBlockStore;
  private readonly ledger: DynamoLedgerStore;
  private readonly payouts: DynamoPayoutStore;
  private readonly state: DynamoLedgerStateStore;
  private readonly upstream: DynamoUpstreamPayoutStore;

  constructor(doc: DynamoDBDocumentClient, tables: (coin: string) => Pick<TableNames, 'blocks' | 'ledger'>) {
    this.blocks = new DynamoBlockStore(doc, tables);
    this.ledger = new DynamoLedgerStore(doc, tables);
    this.payouts = new DynamoPayoutStore(doc, tables);
    this.state = new DynamoLedgerStateStore(doc, tables);
    this.upstream = new DynamoUpstreamPayoutStore(doc, tables);
  }

  listUnsettledBlocks: BlockStore['listUnsettledBlocks'] = (...a) => this.blocks.listUnsettledBlocks(...a);
  listAllBlocks: BlockStore['listAllBlocks'] = (...a) => this.blocks.listAllBlocks(...a);
  previousBlockHeight: BlockStore['previousBlockHeight'] = (...a) => this.blocks.previousBlockHeight(...a);
  setBlockCredits: BlockStore['setBlockCredits'] = (...a) => this.blocks.setBlockCredits(...a);
  getBlock: BlockStore['getBlock'] = (...a) => this.blocks.getBlock(...a);
  setBlockStatus: BlockStore['setBlockStatus'] = (...a) => this.blocks.setBlockStatus(...a);

  putEntries: LedgerStore['putEntries'] = (...a) => this.ledger.putEntries(...a);
  listEntries: LedgerStore['listEntries'] = (...a) => this.ledger.listEntries(...a);
  listAccountEntries: LedgerStore['listAccountEntries'] = (...a) => this.ledger.listAccountEntries(...a);
  listRecentEntries: LedgerStore['listRecentEntries'] = (...a) => this.ledger.listRecentEntries(...a);
  listBalances: LedgerStore['listBalances'] = (...a) => this.ledger.listBalances(...a);
  getBalance: LedgerStore['getBalance'] = (...a) => this.ledger.getBalance(...a);
  repairBalances: LedgerStore['repairBalances'] = (...a) => this.ledger.repairBalances(...a);

  createPayout: PayoutStore['createPayout'] = (...a) => this.payouts.createPayout(...a);
  transitionPayout: PayoutStore['transitionPayout'] = (...a) => this.payouts.transitionPayout(...a);
  recordSignedPayout: PayoutStore['recordSignedPayout'] = (...a) => this.payouts.recordSignedPayout(...a);
  listPayouts: PayoutStore['listPayouts'] = (...a) => this.payouts.listPayouts(...a);
  listOpenPayouts: PayoutStore['listOpenPayouts'] = (...a) => this.payouts.listOpenPayouts(...a);
  getPayouts: PayoutStore['getPayouts'] = (...a) => this.payouts.getPayouts(...a);

  getCursor: LedgerStateStore['getCursor'] = (...a) => this.state.getCursor(...a);
  setCursor: LedgerStateStore['setCursor'] = (...a) => this.state.setCursor(...a);
  listCreditedRounds: LedgerStateStore['listCreditedRounds'] = (...a) => this.state.listCreditedRounds(...a);
  setCreditedRound: LedgerStateStore['setCreditedRound'] = (...a) => this.state.setCreditedRound(...a);
  acquireLease: LedgerStateStore['acquireLease'] = (...a) => this.state.acquireLease(...a);
  releaseLease: LedgerStateStore['releaseLease'] = (...a) => this.state.releaseLease(...a);
  getSuspension: LedgerStateStore['getSuspension'] = (...a) => this.state.getSuspension(...a);
  setSuspension: LedgerStateStore['setSuspension'] = (...a) => this.state.setSuspension(...a);

  recordUpstreamPayout: UpstreamPayoutStore['recordUpstreamPayout'] = (...a) =>
    this.upstream.recordUpstreamPayout(...a);
  setUpstreamCredits: UpstreamPayoutStore['setUpstreamCredits'] = (...a) => this.upstream.setUpstreamCredits(...a);
  setUpstreamStatus: UpstreamPayoutStore['setUpstreamStatus'] = (...a) => this.upstream.setUpstreamStatus(...a);
  getUpstreamPayout: UpstreamPayoutStore['getUpstreamPayout'] = (...a) => this.upstream.getUpstreamPayout(...a);
  listOpenUpstreamPayouts: UpstreamPayoutStore['listOpenUpstreamPayouts'] = (...a) =>
    this.upstream.listOpenUpstreamPayouts(...a);
  markUpstreamSplit: UpstreamPayoutStore['markUpstreamSplit'] = (...a) => this.upstream.markUpstreamSplit(...a);
  previousSplitHeight: UpstreamPayoutStore['previousSplitHeight'] = (...a) => this.upstream.previousSplitHeight(...a);
  listUpstreamPayouts: UpstreamPayoutStore['listUpstreamPayouts'] = (...a) => this.upstream.listUpstreamPayouts(...a);
}
