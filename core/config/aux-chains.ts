import { networks as btcNetworks, type Network } from 'bitcoinjs-lib';
import { z } from 'zod';
import { type AddressNetworks, bitcoinjsAddresses } from '../coins/bitcoinjs-addresses.js';
import { type CoinDefinition, getCoin, isBuiltInCoin, registerConfiguredCoins } from '../coins/registry.js';
import { ConfigError } from '../errors.js';

/**
 * AuxPoW chains the coin registry does not know, defined in the pool config (`auxChains`): a chain id, its address
 * versions and maturity are all a Bitcoin-family aux chain needs beyond its nodes (the coin's `daemons`). Each
 * becomes a CoinDefinition registered when the config is parsed (core/config/load.ts), then is configured and paid
 * exactly as DOGE is: a `coins[]` entry with `mergedWith` its parent, whose algorithm it takes.
 */

const byte = z.number().int().min(0).max(255);

/** One network's address formats: base58 version bytes, and a bech32 prefix if the chain has segwit addresses. */
const auxNetworkSchema = z
  .strictObject({
    /** Base58 version of P2PKH addresses (Dogecoin mainnet 30: D…). */
    pubKeyHash: byte,
    /** Base58 version of P2SH addresses (Dogecoin mainnet 22). */
    scriptHash: byte,
    /** Version of private keys in WIF; the pool holds none of the chain's keys. Default pubKeyHash + 128, the custom. */
    wif: byte.optional(),
    /** The signed-message prefix, length byte included; default "<length>" + "<name> Signed Message:\n". */
    messagePrefix: z.string().min(2).max(100).optional(),
    /** The bech32 human-readable part, if the chain has segwit addresses; absent: none is accepted. */
    bech32: z
      .string()
      .regex(/^[a-z0-9]{1,20}$/, 'lowercase letters and digits')
      .optional(),
  })
  .refine((n) => n.pubKeyHash !== n.scriptHash, {
    path: ['scriptHash'],
    message: 'must differ from pubKeyHash: an address would read as both',
  });

export const auxChainSchema = z.strictObject({
  /** Upper case, as every coin symbol (the `coins[]` entry and a miner's `<symbol>=<address>` password name it). */
  symbol: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/, '2 to 10 upper-case letters and digits, a letter first'),
  name: z.string().min(1).max(40),
  /**
   * Its AuxPoW chain id (the chain's consensus.nAuxpowChainId, the high 16 bits of its block versions): its slot in
   * the aux tree. Two aux chains of one parent must have different ids.
   */
  chainId: z.number().int().min(1).max(0xffff),
  /** Decimal places of its base unit (8, as Bitcoin's satoshi, for every AuxPoW chain we know). */
  decimals: z.number().int().min(0).max(8).default(8),
  /** Blocks before a coinbase is spendable (Dogecoin 240): blocks are credited no earlier. */
  coinbaseMaturity: z.number().int().min(1),
  /** Blocks deep a payout transaction must be before it is settled (default 1, as the Bitcoin family's). */
  payoutConfirmations: z.number().int().min(1).optional(),
  networks: z
    .strictObject({
      mainnet: auxNetworkSchema.optional(),
      testnet: auxNetworkSchema.optional(),
      regtest: auxNetworkSchema.optional(),
    })
    .refine((n) => Object.values(n).some((v) => v !== undefined), { message: 'at least one network' }),
});

export type AuxChainConfig = z.output<typeof auxChainSchema>;
type AuxNetworkConfig = z.output<typeof auxNetworkSchema>;

/** A bitcoinjs-lib network from the config's formats (BIP32 versions are Bitcoin's: the pool derives no keys). */
function network(n: AuxNetworkConfig, name: string, test: boolean): Network {
  const text = `${name} Signed Message:\n`;
  return {
    messagePrefix: n.messagePrefix ?? `${String.fromCharCode(text.length)}${text}`,
    bech32: n.bech32 ?? '', // empty: no bech32 address can match
    bip32: (test ? btcNetworks.testnet : btcNetworks.bitcoin).bip32,
    pubKeyHash: n.pubKeyHash,
    scriptHash: n.scriptHash,
    wif: n.wif ?? (n.pubKeyHash + 0x80) & 0xff,
  };
}

/**
 * The coin definition of a config-defined aux chain merge-mined under `parent`: a Bitcoin-family coin of the
 * parent's algorithm and stratum difficulty (its blocks are found by the parent's shares), base58 (and bech32, if
 * given) addresses through bitcoinjs-lib.
 */
export function auxChainDefinition(chain: AuxChainConfig, parent: CoinDefinition): CoinDefinition {
  const networks: Partial<Record<'mainnet' | 'testnet' | 'regtest', AddressNetworks>> = {};
  for (const name of ['mainnet', 'testnet', 'regtest'] as const) {
    const n = chain.networks[name];
    if (n) networks[name] = [network(n, chain.name, name !== 'mainnet')];
  }
  return {
    symbol: chain.symbol,
    name: chain.name,
    family: 'bitcoin',
    algorithm: parent.algorithm,
    stratumDiffMultiplier: parent.stratumDiffMultiplier,
    ...(parent.hashesPerDifficulty === undefined ? {} : { hashesPerDifficulty: parent.hashesPerDifficulty }),
    coinbaseMaturity: chain.coinbaseMaturity,
    ...(chain.payoutConfirmations === undefined ? {} : { payoutConfirmations: chain.payoutConfirmations }),
    // Its work comes from createauxblock, never from getblocktemplate.
    gbtRules: [],
    decimals: chain.decimals,
    auxpow: { chainId: chain.chainId },
    networks,
    addresses: bitcoinjsAddresses(networks),
  };
}

/** What a registered definition is compared by, and how an error shows it: the config entry and its algorithm. */
function fingerprint(chain: AuxChainConfig, parent: CoinDefinition): string {
  return JSON.stringify({ ...chain, algorithm: parent.algorithm });
}

/** One problem of the config's aux chains, a zod issue (core/config/load.ts words them all alike). */
export type AuxChainIssue = z.core.$ZodIssue;

const issue = (path: (string | number)[], message: string): AuxChainIssue => ({
  code: 'custom',
  path,
  message,
  input: undefined,
});

/**
 * Reads the config's `auxChains` (a raw, unvalidated config) and registers each in the coin registry, before the
 * coins are validated (they name them). Each must be merge-mined by a `coins[]` entry (`mergedWith` a Bitcoin-family
 * coin of the registry: the parent gives its algorithm); a symbol the registry has built in, or a different
 * definition already registered under it, is refused. Returns the problems (nothing registered then) or the undo.
 */
export function registerAuxChains(raw: unknown): { issues: AuxChainIssue[] } | { undo: () => void } {
  const cfg = (raw ?? {}) as { auxChains?: unknown; coins?: unknown };
  const parsed = z.array(auxChainSchema).default([]).safeParse(cfg.auxChains);
  if (!parsed.success) return { issues: parsed.error.issues.map((i) => ({ ...i, path: ['auxChains', ...i.path] })) };
  const coins = Array.isArray(cfg.coins) ? (cfg.coins as unknown[]) : [];
  const issues: AuxChainIssue[] = [];
  const defs: { coin: CoinDefinition; fingerprint: string }[] = [];
  parsed.data.forEach((chain, i) => {
    const at = (...path: (string | number)[]) => ['auxChains', i, ...path];
    if (parsed.data.findIndex((c) => c.symbol === chain.symbol) !== i) {
      issues.push(issue(at('symbol'), `${chain.symbol} is defined twice`));
      return;
    }
    if (isBuiltInCoin(chain.symbol)) {
      const builtIn = getCoin(chain.symbol);
      const why = `${chain.symbol} is a built-in coin (${builtIn.name}): the config cannot define it again as ${chain.name}`;
      issues.push(issue(at('symbol'), why));
      return;
    }
    const parent = parentOf(chain, coins, at);
    if ('code' in parent) {
      issues.push(parent);
      return;
    }
    defs.push({ coin: auxChainDefinition(chain, parent), fingerprint: fingerprint(chain, parent) });
  });
  if (issues.length > 0) return { issues };
  try {
    return { undo: registerConfiguredCoins(defs) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { issues: [issue(['auxChains'], err.message)] };
  }
}

/**
 * The registry coin the chain is merge-mined under: the `coins[]` entries of its symbol must all name one with
 * `mergedWith` (a config-defined chain is only ever mined merged), a Bitcoin-family coin of the registry's own.
 */
function parentOf(
  chain: AuxChainConfig,
  coins: unknown[],
  at: (...path: (string | number)[]) => (string | number)[],
): CoinDefinition | AuxChainIssue {
  const entries = coins.flatMap((c, j) =>
    c !== null && typeof c === 'object' && (c as { symbol?: unknown }).symbol === chain.symbol
      ? [{ j, mergedWith: (c as { mergedWith?: unknown }).mergedWith }]
      : [],
  );
  const unmerged = entries.find((e) => typeof e.mergedWith !== 'string');
  if (unmerged)
    return issue(
      ['coins', unmerged.j, 'mergedWith'],
      `${chain.symbol} is an aux chain defined in auxChains: it is mined only merged (mergedWith its parent)`,
    );
  const first = entries[0];
  if (!first)
    return issue(
      at('symbol'),
      `no coins[] entry merge-mines ${chain.symbol} (mergedWith): an aux chain takes its parent's algorithm`,
    );
  const parentSymbol = first.mergedWith as string;
  if (!isBuiltInCoin(parentSymbol) || getCoin(parentSymbol).family !== 'bitcoin')
    return issue(
      ['coins', first.j, 'mergedWith'],
      `${parentSymbol} is not a Bitcoin-family coin of the registry: ${chain.symbol} cannot be merge-mined with it`,
    );
  return getCoin(parentSymbol);
}
