import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { payments } from 'bitcoinjs-lib';
import { Wallet } from 'ethers';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { DAEMON_PASSWORD_MARKER, DAEMON_USER_MARKER } from '../../../core/config/credentials.js';
import { parseEnv } from '../../../core/config/env.js';
import { parseConfig } from '../../../core/config/load.js';
import type { PoolConfigInput } from '../../../core/config/schema.js';
import { ConfigError } from '../../../core/errors.js';
import { isSignedFirst, PayoutNotSentError } from '../../../core/ports/payout-sender.js';
import { ethereumFamily } from '../../../families/ethereum/index.js';
import { CHAIN_FAMILIES } from '../../../families/registry.js';
import { moneyDeps, moneyEnvSchema } from '../../../lambdas/shared/money-deps.js';

const KEY = Wallet.createRandom();
const LTC_ADDRESS = payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: getCoin('LTC').networks.mainnet![0] })
  .address!;
const CONTRACT = Wallet.createRandom().address;
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:1:secret:${name}`;
const tables = { SHARES_TABLE: 's', STATS_TABLE: 'st', BLOCKS_TABLE: 'b', LEDGER_TABLE: 'l' };

function etc(url: string, payouts: Record<string, unknown>, user = 'pool', password = 'pw'): PoolConfigInput {
  return {
    coins: [
      {
        symbol: 'ETC',
        network: 'mainnet',
        poolAddress: KEY.address,
        daemons: [{ url, user, password }],
        ports: [{ port: 8008, difficulty: { initial: 1, min: 1, max: 1 } }],
        payouts: { contract: CONTRACT, maxRecipients: 50, minimum: '100000000000000000', ...payouts },
      },
    ],
  };
}

interface WrongChainNode {
  url: string;
  /** Each JSON-RPC call: its method and the request's Authorization header. */
  calls: Array<{ method: string; authorization?: string }>;
  close(): Promise<void>;
}

/**
 * A node on chain 62 (JSON-RPC, batches as ethers sends them): every sender built for ETC mainnet (61) must refuse
 * it before signing anything.
 */
async function wrongChainNode(): Promise<WrongChainNode> {
  const calls: WrongChainNode['calls'] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    req.on('end', () => {
      const body = JSON.parse(raw) as { id: number; method: string } | Array<{ id: number; method: string }>;
      const answer = (r: { id: number; method: string }) => {
        calls.push({ method: r.method, authorization: req.headers.authorization });
        return { jsonrpc: '2.0', id: r.id, result: r.method === 'eth_chainId' ? '0x3e' : null };
      };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(Array.isArray(body) ? body.map(answer) : answer(body)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The ethereum family's payout sender from a coin's config: the pool key (payouts.privateKey locally, the
 * PayoutWallet secret in AWS) must be the pool address's, the payouts go through the configured PayoutBatch for the
 * network's chain id; the config refuses the wrong payouts fields for the family.
 */
describe('ethereum family payouts from the config', () => {
  const secrets = mockClient(SecretsManagerClient);
  afterEach(() => secrets.reset());
  afterAll(() => secrets.restore());

  it('builds a signed-first sender with the local key, for the network chain id', async () => {
    const node = await wrongChainNode();
    try {
      const coin = parseConfig(etc(node.url, { privateKey: KEY.privateKey })).coins[0]!;
      const sender = ethereumFamily.money.payoutSender(coin);
      expect(isSignedFirst(sender)).toBe(true);
      if (!isSignedFirst(sender)) return;
      const to = Wallet.createRandom().address;
      await expect(sender.prepare('ETC-1', [{ account: to, amount: 1n }])).rejects.toThrow(PayoutNotSentError);
      await expect(sender.prepare('ETC-1', [{ account: to, amount: 1n }])).rejects.toThrow(
        /the node is on chain 62, payouts are signed for chain 61/,
      );
      expect(node.calls.map((c) => c.method)).not.toContain('eth_sendRawTransaction');
    } finally {
      await node.close();
    }
  });

  it('refuses a missing key and a key of another address than poolAddress', () => {
    const url = 'http://127.0.0.1:1';
    expect(() => ethereumFamily.money.payoutSender(parseConfig(etc(url, {})).coins[0]!)).toThrow(
      /no key for the pool address/,
    );
    const other = Wallet.createRandom().privateKey;
    expect(() => ethereumFamily.money.payoutSender(parseConfig(etc(url, { privateKey: other })).coins[0]!)).toThrow(
      ConfigError,
    );
    expect(() => ethereumFamily.money.payoutSender(parseConfig(etc(url, { privateKey: other })).coins[0]!)).toThrow(
      `not of poolAddress ${KEY.address}`,
    );
  });

  it('reads the key from PAYOUT_WALLET_SECRET_ARN in the payouts Lambda, never from the config', async () => {
    const node = await wrongChainNode();
    try {
      let payoutSecret = `${KEY.privateKey}\n`; // as an editor may save it
      secrets
        .onAnyCommand()
        .callsFake((input: { SecretId: string }) =>
          input.SecretId === arn('payout-wallet')
            ? { SecretString: payoutSecret }
            : { SecretString: JSON.stringify({ user: 'u', password: 'p' }) },
        );
      const config = etc(node.url, {}, DAEMON_USER_MARKER, DAEMON_PASSWORD_MARKER);
      const env = (payoutSecret?: string) =>
        parseEnv(
          moneyEnvSchema,
          {
            POOL_COIN: 'ETC',
            POOL_CONFIG_JSON: JSON.stringify(config),
            DAEMON_SECRET_ARN: arn('daemon'),
            ...(payoutSecret ? { PAYOUT_WALLET_SECRET_ARN: payoutSecret } : {}),
            ...tables,
          },
          'x',
        );
      const deps = await moneyDeps(env(arn('payout-wallet')), CHAIN_FAMILIES);
      expect(deps.coin.payouts?.privateKey).toBeUndefined(); // only the sender holds it
      const sender = deps.sender();
      if (!isSignedFirst(sender)) throw new Error('expected the signed-first sender');
      await expect(sender.prepare('ETC-2', [{ account: KEY.address, amount: 1n }])).rejects.toThrow(/chain 62/);
      expect(node.calls[0]!.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);

      await expect((await moneyDeps(env(), CHAIN_FAMILIES)).sender).toThrow(/no key for the pool address/);
      payoutSecret = 'not a key';
      await expect(moneyDeps(env(arn('payout-wallet')), CHAIN_FAMILIES)).rejects.toThrow(
        /not a 0x-prefixed 32-byte hex key/,
      );
    } finally {
      await node.close();
    }
  });

  it('the config asks an ETC coin for its contract and refuses the Bitcoin wallet fields, and the reverse', () => {
    const url = 'http://127.0.0.1:1';
    const noContract = etc(url, {});
    noContract.coins[0]!.payouts = { maxRecipients: 50 };
    expect(() => parseConfig(noContract)).toThrow(/coins\[0\]\.payouts\.contract/);
    expect(() => parseConfig(etc(url, { wallet: 'pool' }))).toThrow(/signed by the pool key/);
    expect(() => parseConfig(etc(url, { maxRecipients: 250 }))).toThrow(/at most 100 for an Ethereum-family coin/);
    expect(() => parseConfig(etc(url, { minimum: '10000000' }))).toThrow(/at least 1000000000000000 wei/);
    expect(parseConfig(etc(url, {})).coins[0]!.payouts!.maxGasPrice).toBe('50000000000');
    // And the reverse: a Bitcoin-family coin refuses the ETC fields; its node wallet is named, or the node's root
    // (dogecoind serves one wallet there, and no /wallet/<name> path).
    const ltc = (payouts: Record<string, unknown>) => ({
      coins: [
        {
          ...etc(url, {}).coins[0]!,
          symbol: 'LTC',
          poolAddress: LTC_ADDRESS,
          payouts,
        },
      ],
    });
    expect(() => parseConfig(ltc({ wallet: 'pool', contract: CONTRACT }))).toThrow(/only for Ethereum-family coins/);
    expect(parseConfig(ltc({})).coins[0]!.payouts!.wallet).toBeUndefined();
    expect(parseConfig(ltc({ wallet: 'pool' })).coins[0]!.payouts!.wallet).toBe('pool');
  });
});
