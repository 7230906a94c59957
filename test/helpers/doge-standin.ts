import { type AuxPow, encodeAuxPow } from '../../core/auxpow/auxpow.js';
import { encodeAuxCommitment } from '../../core/auxpow/commitment.js';
import { buildAuxTree } from '../../core/auxpow/tree.js';
import { buildCoinbase, joinCoinbase } from '../../core/chain/coinbase.js';
import { hashToBigInt, sha256d } from '../../core/chain/hash.js';
import { parseHeader, serializeHeader } from '../../core/chain/header.js';
import { merkleBranch, rootFromBranch } from '../../core/chain/merkle.js';
import { parseAmount } from '../../core/ledger/payouts.js';
import { scrypt } from '../../fargate/src/hashing/index.js';
import { type DogeStandin, type DogeStandinOptions, startDogeStandin } from '../../local/devnet/doge.js';
import { withStartedInTempDir } from './devnet.js';

/**
 * One DOGE stand-in node (in this process, premined to height 80) per test file, in a temp directory removed
 * afterwards. Call at the top of a describe block.
 */
export function withDogeStandin(opts: Omit<DogeStandinOptions, 'dataDir'> = {}): {
  get: () => DogeStandin;
  dataDir: () => string;
} {
  return withStartedInTempDir('doge-standin', (dataDir) => startDogeStandin({ ...opts, dataDir }));
}

/**
 * DOGE mined on its own (getblocktemplate/submitblock, no parent chain) on a running stand-in, as a config entry for
 * parseConfig: the stand-in's RPC, its wallet's pool and fee addresses, one stratum port on loopback (0: any free one)
 * with share difficulties a test miner reaches at once, and payouts from the stand-in's wallet as the devnet's
 * merged DOGE has them. The switching port's tests put it beside LTC on litecoind.
 */
export function dogeSoloCoin(
  doge: Pick<DogeStandin, 'rpc' | 'poolAddress' | 'feeAddress'>,
  opts: { port?: number; difficulty?: { initial: number; min: number; max: number }; longPoll?: boolean } = {},
) {
  return {
    symbol: 'DOGE',
    network: 'regtest',
    poolAddress: doge.poolAddress,
    daemons: doge.rpc,
    ports: [
      {
        port: opts.port ?? 0,
        host: '127.0.0.1',
        // Regtest bits (0x207fffff) are difficulty ~3e-5 in scrypt's 65536 scale: at 0.00001 a share is a block about
        // a third of the time, so a test miner gets plain shares and blocks both.
        difficulty: opts.difficulty ?? { initial: 0.00001, min: 0.000001, max: 1000 },
      },
    ],
    jobs: { longPoll: opts.longPoll ?? true },
    rewards: { scheme: 'PPLNS', feeBasisPoints: 100, feeWallets: [{ address: doge.feeAddress }] },
    payouts: { intervalSeconds: 60, minimum: '100000000', maxRecipients: 100 },
  } as const;
}

/** What a mined transaction paid an address, read from the stand-in node (not the pool's records). */
export async function standinPaidTo(
  standin: Pick<DogeStandin, 'client'>,
  txid: string,
  address: string,
): Promise<bigint> {
  const tx = await standin.client.call<{
    vout: { value: number; scriptPubKey: { addresses?: string[]; address?: string } }[];
  }>('getrawtransaction', [txid, 1]);
  return tx.vout
    .filter((o) => o.scriptPubKey.address === address || o.scriptPubKey.addresses?.includes(address))
    .reduce((s, o) => s + parseAmount(o.value), 0n);
}

/** What createauxblock answers. */
export interface AuxBlock {
  hash: string;
  chainid: number;
  previousblockhash: string;
  coinbasevalue: number;
  bits: string;
  height: number;
  target: string;
}

/** The aux target of a createauxblock answer: its `target` is little-endian hex. */
export const auxTarget = (aux: Pick<AuxBlock, 'target'>): bigint => hashToBigInt(Buffer.from(aux.target, 'hex'));

/** The aux hash of a createauxblock answer in internal byte order (it is printed in display order). */
export const auxHashInternal = (aux: Pick<AuxBlock, 'hash'>): Buffer => Buffer.from(aux.hash, 'hex').reverse();

export interface ParentOptions {
  /** The bytes the parent coinbase carries between its BIP34 height and the extranonce (the commitment). */
  auxData: Buffer;
  chainBranch?: Buffer[];
  chainIndex?: number;
  /** The parent header's version (default Litecoin's BIP9 0x20000000). */
  version?: number;
  /** `meet`: grind the parent's scrypt to ≤ target (and > `above`, when given); `miss`: to > target. */
  pow: { target: bigint; want: 'meet' | 'miss'; above?: bigint };
}

/**
 * An AuxPoW from a fake Litecoin-like parent, built as the pool builds one: a coinbase whose scriptSig holds the
 * commitment after the BIP34 height, three other transactions for a real merkle branch, and a header whose nonce is
 * ground with scrypt until it meets (or misses) the aux target.
 */
export function parentAuxPow(opts: ParentOptions): AuxPow {
  const parts = buildCoinbase({
    height: 3_000_000,
    outputs: [{ value: 625_000_000n, script: Buffer.from('6a', 'hex') }],
    tag: Buffer.alloc(0),
    aux: opts.auxData,
    extranonce1Size: 0,
    extranonce2Size: 0,
  });
  const coinbase = joinCoinbase(parts, '', '');
  const coinbaseBranch = merkleBranch([1, 2, 3].map((i) => sha256d(Buffer.from([i]))));
  const fields = {
    version: opts.version ?? 0x20000000,
    prevHash: sha256d(Buffer.from('a litecoin block')),
    merkleRoot: rootFromBranch(sha256d(coinbase), coinbaseBranch),
    ntime: 1_800_000_000,
    bits: 0x1e0ffff0,
    nonce: 0,
  };
  const header = grind(serializeHeader(fields), opts.pow);
  return {
    coinbase,
    parentBlockHash: sha256d(header),
    coinbaseBranch,
    coinbaseIndex: 0,
    chainBranch: opts.chainBranch ?? [],
    chainIndex: opts.chainIndex ?? 0,
    parentHeader: header,
  };
}

/** The proof the pool would submit for this createauxblock answer, alone in its aux tree (size 1, nonce 0). */
export function goodAuxPow(aux: AuxBlock, want: 'meet' | 'miss' = 'meet'): AuxPow {
  const tree = buildAuxTree([{ chainId: aux.chainid, hash: auxHashInternal(aux) }]);
  return parentAuxPow({ auxData: encodeAuxCommitment(tree), pow: { target: auxTarget(aux), want } });
}

/** The same proof with its parent header's nonce ground again (after a header change) to meet or miss `target`. */
export function regrind(auxpow: AuxPow, pow: ParentOptions['pow']): AuxPow {
  const header = grind(auxpow.parentHeader, pow);
  return { ...auxpow, parentHeader: header, parentBlockHash: sha256d(header) };
}

export const auxPowHex = (auxpow: AuxPow): string => encodeAuxPow(auxpow).toString('hex');

function grind(header: Buffer, pow: ParentOptions['pow']): Buffer {
  const fields = parseHeader(header);
  let out = serializeHeader(fields);
  const ok = (h: Buffer) => {
    const value = hashToBigInt(scrypt(h));
    return value <= pow.target === (pow.want === 'meet') && (pow.above === undefined || value > pow.above);
  };
  while (!ok(out)) out = serializeHeader({ ...fields, nonce: ++fields.nonce });
  return out;
}
