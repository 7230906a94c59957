import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuxAddressStore, AuxPayoutAddress } from '../../core/ports/aux-address-store.js';
import { conditionalWrite, dynamoCall, num, queryAll } from './dynamo-calls.js';

/**
 * AuxAddressStore on an aux coin's ledger table (merged mining): `AUXADDR / <account>` items { address, source,
 * setAt }, one per parent-coin mining address. Each write is one conditional put, so two ingests offering at once,
 * or an offer racing a signed change, leave exactly one winner: the first offer, or the newest signed message.
 */

export interface DynamoAuxAddressStoreOptions {
  /** Build it with `createDocumentClient`. */
  doc: DynamoDBDocumentClient;
  /** The aux coin's ledger table; throws for a coin this deployment does not serve. */
  ledgerTable: (coin: string) => string;
}

export const AUX_ADDRESS_PK = 'AUXADDR';

export class DynamoAuxAddressStore implements AuxAddressStore {
  constructor(private readonly opts: DynamoAuxAddressStoreOptions) {}

  offerAuxAddress(coin: string, account: string, address: string, now: number): Promise<boolean> {
    // The first address given stays: a later password (anyone can mine to someone's mining address) never replaces it.
    return this.put(coin, { account, address, source: 'password', setAt: now }, 'attribute_not_exists(pk)');
  }

  setSignedAuxAddress(coin: string, account: string, address: string, signedAt: number): Promise<boolean> {
    // Over a password's address, or an older signed message's: a signed message replayed later changes nothing.
    return this.put(
      coin,
      { account, address, source: 'signed', setAt: signedAt },
      'attribute_not_exists(pk) OR #source = :password OR setAt < :setAt',
      { ':password': 'password', ':setAt': signedAt },
    );
  }

  async getAuxAddress(coin: string, account: string): Promise<AuxPayoutAddress | undefined> {
    const { Item } = await dynamoCall('get aux address', () =>
      this.opts.doc.send(
        new GetCommand({
          TableName: this.opts.ledgerTable(coin),
          Key: { pk: AUX_ADDRESS_PK, sk: account },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? auxAddressOf(Item) : undefined;
  }

  async listAuxAddresses(coin: string): Promise<Map<string, AuxPayoutAddress>> {
    const items = await queryAll(this.opts.doc, 'list aux addresses', {
      TableName: this.opts.ledgerTable(coin),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': AUX_ADDRESS_PK },
      ConsistentRead: true,
    });
    return new Map(items.map((item) => [String(item.sk), auxAddressOf(item)]));
  }

  private put(
    coin: string,
    item: AuxPayoutAddress & { account: string },
    condition: string,
    values?: Record<string, unknown>,
  ): Promise<boolean> {
    const { account, ...rest } = item;
    return conditionalWrite('put aux address', () =>
      this.opts.doc.send(
        new PutCommand({
          TableName: this.opts.ledgerTable(coin),
          Item: { pk: AUX_ADDRESS_PK, sk: account, ...rest },
          ConditionExpression: condition,
          ...(values && { ExpressionAttributeNames: { '#source': 'source' }, ExpressionAttributeValues: values }),
        }),
      ),
    );
  }
}

function auxAddressOf(item: Record<string, unknown>): AuxPayoutAddress {
  return {
    address: String(item.address),
    source: item.source === 'signed' ? 'signed' : 'password',
    setAt: num(item.setAt),
  };
}
