/** An unspent output of the pool's wallet: a P2PKH coin of the pool address. */
export interface PoolCoin {
  txid: string;
  vout: number;
  amount: bigint;
}

export interface PayoutOutput {
  script: Uint8Array;
  amount: bigint;
}

export interface PayoutTxPlan {
  inputs: PoolCoin[];
  /** Back to the pool address; 0 when what was left would be dust (it goes to the fee instead). */
  change: bigint;
  fee: bigint;
  /** The size the fee was computed for, vbytes (signatures at their largest). */
  vsize: number;
}

/** A signed P2PKH input at its largest: outpoint 36, script length 1, a 72-byte DER signature + hash type and a 33-byte key (1+72+1+33), sequence 4. */
const P2PKH_INPUT_VBYTES = 148;
/** A P2PKH change output: value 8, script length 1, script 25. */
const P2PKH_OUTPUT_VBYTES = 34;
/**
 * Below this an output is dust and nodes refuse to relay the transaction (Bitcoin Core and btcd: 546 satoshi for a
 * P2PKH output at the default dust relay fee): a recipient is refused, change is dropped into the fee.
 */
export const DUST_LIMIT = 546n;
/** A standard transaction stays under 100,000 vbytes: about 670 P2PKH inputs. */
const MAX_INPUTS = 600;

/** varint length of a count. */
function varIntSize(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

/** The vsize of a transaction of legacy P2PKH inputs (no witness: vsize = size). */
export function payoutTxVsize(inputs: number, outputs: readonly { script: Uint8Array }[], change: boolean): number {
  const outs = outputs.reduce((s, o) => s + 8 + varIntSize(o.script.length) + o.script.length, 0);
  const n = outputs.length + (change ? 1 : 0);
  return (
    4 + varIntSize(inputs) + inputs * P2PKH_INPUT_VBYTES + varIntSize(n) + outs + (change ? P2PKH_OUTPUT_VBYTES : 0) + 4
  );
}

/**
 * Which of the pool's coins pay the outputs, the fee (vsize × feeRate, satoshi per vbyte) and the change:
 * deterministic (largest coins first, ties by outpoint), so the same wallet state always gives the same inputs.
 * Undefined when the coins cannot cover outputs + fee within a standard transaction's size.
 */
export function planPayoutTx(
  coins: readonly PoolCoin[],
  outputs: readonly PayoutOutput[],
  feeRate: bigint,
): PayoutTxPlan | undefined {
  const total = outputs.reduce((s, o) => s + o.amount, 0n);
  const sorted = [...coins].sort((a, b) =>
    a.amount !== b.amount
      ? a.amount > b.amount
        ? -1
        : 1
      : a.txid !== b.txid
        ? a.txid < b.txid
          ? -1
          : 1
        : a.vout - b.vout,
  );
  const inputs: PoolCoin[] = [];
  let have = 0n;
  for (const coin of sorted) {
    if (inputs.length >= MAX_INPUTS) break;
    inputs.push(coin);
    have += coin.amount;
    const withChange = payoutTxVsize(inputs.length, outputs, true);
    const feeWithChange = BigInt(withChange) * feeRate;
    if (have - total - feeWithChange >= DUST_LIMIT) {
      return { inputs, change: have - total - feeWithChange, fee: feeWithChange, vsize: withChange };
    }
    const without = payoutTxVsize(inputs.length, outputs, false);
    const feeWithout = BigInt(without) * feeRate;
    // What is left is dust: no change output, the fee takes it (at most DUST_LIMIT + one output's fee more).
    if (have - total >= feeWithout) return { inputs, change: 0n, fee: have - total, vsize: without };
  }
  return undefined;
}
