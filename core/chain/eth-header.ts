import { encodeRlp, keccak256, toBeArray } from 'ethers';
import { DaemonError } from '../errors.js';

/** An Ethereum-family block header as eth_getBlockByNumber / eth_getUncleByBlockNumberAndIndex return it (hex). */
export interface EthHeaderJson {
  hash: string;
  parentHash: string;
  sha3Uncles: string;
  miner: string;
  stateRoot: string;
  transactionsRoot: string;
  receiptsRoot: string;
  logsBloom: string;
  difficulty: string;
  number: string;
  gasLimit: string;
  gasUsed: string;
  timestamp: string;
  extraData: string;
  mixHash: string;
  nonce: string;
  baseFeePerGas?: string;
}

const int = (hex: string) => toBeArray(BigInt(hex));

/** The 13 fields before the seal (pre-London), as RLP items; a base fee follows where the chain has one. */
function unsealed(h: EthHeaderJson): Array<string | Uint8Array> {
  return [
    h.parentHash,
    h.sha3Uncles,
    h.miner,
    h.stateRoot,
    h.transactionsRoot,
    h.receiptsRoot,
    h.logsBloom,
    int(h.difficulty),
    int(h.number),
    int(h.gasLimit),
    int(h.gasUsed),
    int(h.timestamp),
    h.extraData,
  ];
}

/**
 * The seal hash of a header: keccak256 of the RLP of its fields without mixHash and nonce (ethash SealHash; the base
 * fee appended where the chain has one). It is the work eth_getWork hands out, so the pool knows its blocks by it.
 * Checked against the header's own hash (the same fields with the seal): a header whose fields this code does not
 * know (a fork's new field) is a DaemonError (the node's answer is not understood: nothing changes), never a wrong
 * match.
 */
export function sealHash(h: EthHeaderJson): string {
  const base = h.baseFeePerGas === undefined ? [] : [int(h.baseFeePerGas)];
  const full = keccak256(encodeRlp([...unsealed(h), h.mixHash, h.nonce, ...base]));
  if (full !== h.hash.toLowerCase()) {
    throw new DaemonError(
      `block ${Number(h.number)}: its fields hash to ${full}, not ${h.hash} (a header field this pool does not know)`,
    );
  }
  return keccak256(encodeRlp([...unsealed(h), ...base]));
}
