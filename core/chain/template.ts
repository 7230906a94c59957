import { z } from 'zod';
import { DaemonError } from '../errors.js';

/**
 * The parts of a getblocktemplate answer (BIP22/BIP23, BIP145 for segwit, Litecoin's `mweb` extension) the pool
 * uses. Parsed once at the edge so that a daemon answering something unexpected gives one clear error.
 */

const hex = z.string().regex(/^(?:[0-9a-fA-F]{2})*$/, 'hex');
const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, '32-byte hex hash');

const gbtSchema = z.object({
  version: z.number().int().min(0).max(0xffffffff),
  previousblockhash: hash,
  transactions: z.array(z.object({ data: hex, txid: hash, hash: hash.optional() })),
  coinbasevalue: z.number().int().nonnegative().refine(Number.isSafeInteger, 'coinbasevalue beyond 2^53'),
  coinbaseaux: z.object({ flags: hex.optional() }).optional(),
  longpollid: z.string().optional(),
  target: hash,
  mintime: z.number().int().optional(),
  curtime: z.number().int().min(0).max(0xffffffff),
  bits: z.string().regex(/^[0-9a-fA-F]{8}$/, '8 hex chars'),
  height: z.number().int().min(0),
  default_witness_commitment: hex.optional(),
  mweb: hex.optional(),
});

export interface TemplateTransaction {
  /** Raw transaction hex, as it goes into the block (segwit/MWEB serialization where the tx has one). */
  data: string;
  /** Display order. */
  txid: string;
}

export interface BlockTemplate {
  version: number;
  /** Display order. */
  previousblockhash: string;
  /** Every transaction after the coinbase; with MWEB the HogEx is the last. */
  transactions: TemplateTransaction[];
  /** Subsidy + fees, base units. */
  coinbasevalue: bigint;
  coinbaseauxFlags?: string;
  longpollid?: string;
  /** Network target, display (big-endian) hex. */
  target: string;
  mintime?: number;
  curtime: number;
  bits: number;
  height: number;
  /** The scriptPubKey of the BIP141 witness commitment output, hex. */
  defaultWitnessCommitment?: string;
  /** Litecoin MWEB extension block, hex: the block ends with 0x01 ‖ mweb. */
  mweb?: string;
}

/** Validates a raw getblocktemplate result; throws DaemonError describing what is wrong. */
export function parseBlockTemplate(raw: unknown): BlockTemplate {
  const parsed = gbtSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DaemonError(`unexpected getblocktemplate answer: ${issues.join('; ')}`);
  }
  const t = parsed.data;
  const template: BlockTemplate = {
    version: t.version,
    previousblockhash: t.previousblockhash.toLowerCase(),
    transactions: t.transactions.map((tx) => ({ data: tx.data, txid: tx.txid.toLowerCase() })),
    coinbasevalue: BigInt(t.coinbasevalue),
    target: t.target.toLowerCase(),
    curtime: t.curtime,
    bits: Number.parseInt(t.bits, 16),
    height: t.height,
  };
  if (t.coinbaseaux?.flags) template.coinbaseauxFlags = t.coinbaseaux.flags;
  if (t.longpollid !== undefined) template.longpollid = t.longpollid;
  if (t.mintime !== undefined) template.mintime = t.mintime;
  if (t.default_witness_commitment) template.defaultWitnessCommitment = t.default_witness_commitment;
  if (t.mweb) {
    template.mweb = t.mweb;
    checkHogExLast(template.transactions);
  }
  return template;
}

/**
 * Litecoin (LIP-0002/0003): with MWEB, the integrating "HogEx" transaction must be the block's last transaction.
 * It is serialized with the MWEB flag 0x08 after the segwit marker (version ‖ 0x00 ‖ 0x08 ...). GBT already
 * puts it last; a template that does not would produce blocks the daemon rejects, so refuse it here.
 */
function checkHogExLast(txs: readonly TemplateTransaction[]): void {
  const last = txs.at(-1);
  if (!last || !isHogEx(last.data)) {
    throw new DaemonError('getblocktemplate has an mweb field but its last transaction is not the HogEx');
  }
  if (txs.slice(0, -1).some((tx) => isHogEx(tx.data))) {
    throw new DaemonError('getblocktemplate has a HogEx transaction that is not the last one');
  }
}

/** True for a transaction carrying the MWEB flag bit (HogEx). */
export function isHogEx(txHex: string): boolean {
  // bytes 4 and 5: segwit marker 0x00, flag with bit 0x08 set.
  return txHex.slice(8, 10) === '00' && (Number.parseInt(txHex.slice(10, 12), 16) & 0x08) !== 0;
}
