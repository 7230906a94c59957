import { describe, expect, it } from 'vitest';
import { type AuxPow, decodeAuxHeaderWithPow } from '../../../core/auxpow/auxpow.js';
import { encodeAuxCommitment, MERGED_MINING_MAGIC } from '../../../core/auxpow/commitment.js';
import { buildAuxTree, expectedIndex } from '../../../core/auxpow/tree.js';
import { sha256d } from '../../../core/chain/hash.js';
import { parseHeader, serializeHeader } from '../../../core/chain/header.js';
import { rootFromBranchAt } from '../../../core/chain/merkle.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import { DaemonError } from '../../../core/errors.js';
import { scrypt } from '../../../fargate/src/hashing/index.js';
import { parseBlock } from '../../../local/devnet/doge-standin/block.js';
import { DogeChain } from '../../../local/devnet/doge-standin/chain.js';
import { REGTEST_BITS } from '../../../local/devnet/doge-standin/params.js';
import { VECTOR_A, VECTOR_B } from '../../core/auxpow/fixtures/dogecoin-mainnet.js';
import {
  type AuxBlock,
  auxHashInternal,
  auxPowHex,
  auxTarget,
  goodAuxPow,
  parentAuxPow,
  regrind,
  withDogeStandin,
} from '../../helpers/doge-standin.js';

const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};

/** Warnings the stand-in logged (each refusal names its reason). */
function warnLog() {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  return { warnings, log: { info() {}, warn: (obj: object, msg: string) => warnings.push({ obj: { ...obj }, msg }) } };
}

describe('the DOGE stand-in verifies submitted AuxPoW as Dogecoin does', () => {
  const { warnings, log } = warnLog();
  const net = withDogeStandin({ log });
  const doge = () => net.get();
  const create = () => doge().client.call<AuxBlock>('createauxblock', [doge().poolAddress]);
  const submit = (hash: string, auxpow: AuxPow | string) =>
    doge().client.call<boolean>('submitauxblock', [hash, typeof auxpow === 'string' ? auxpow : auxPowHex(auxpow)]);

  it('accepts a proof from a parent whose scrypt meets the aux target: the block joins the chain with its AuxPoW', async () => {
    const height = await doge().client.getBlockCount();
    const aux = await create();
    expect(await submit(aux.hash, goodAuxPow(aux))).toBe(true);
    expect(await doge().client.getBlockCount()).toBe(height + 1);
    expect(await doge().client.getBestBlockHash()).toBe(aux.hash);
    const block = await doge().client.getBlock<{ versionHex: string; auxpow: { parentblock: string } }>(aux.hash, 1);
    expect(block.versionHex).toBe('00620104');
    expect(block.auxpow.parentblock).toHaveLength(160);
  });

  it('answers an unknown hash with the RPC error "block hash unknown", as Dogecoin does', async () => {
    const aux = await create();
    const err = await submit('00'.repeat(32), goodAuxPow(aux)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect((err as DaemonError).message).toMatch(/block hash unknown/);
    expect((err as DaemonError).rpcCode).toBe(-8);
  });

  it('answers an auxpow that cannot be read with a deserialization error, and the block stays submittable', async () => {
    const aux = await create();
    await expect(submit(aux.hash, 'zz')).rejects.toMatchObject({ rpcCode: -22 });
    await expect(submit(aux.hash, auxPowHex(goodAuxPow(aux)).slice(0, -2))).rejects.toMatchObject({ rpcCode: -22 });
    expect(await submit(aux.hash, goodAuxPow(aux))).toBe(true);
  });

  /** Each refused proof: `false`, the chain unchanged, the reason in the log; then a good proof still goes in. */
  const refusals: [string, string, (aux: AuxBlock) => AuxPow][] = [
    // Namecoin auxpow_tests: wrong aux hash (the parent committed to another block)
    ['commits to another aux block', 'missing-chain-root', (aux) => goodAuxPow({ ...aux, hash: 'ab'.repeat(32) })],
    [
      // ...and the wrong chain id: the hash sits at chain 97's slot of a two-leaf tree, not at Dogecoin's
      'puts the block at another chain id’s slot',
      'wrong-chain-index',
      (aux) => {
        const tree = buildAuxTree([
          { chainId: 97, hash: auxHashInternal(aux) },
          { chainId: 1, hash: sha256d(Buffer.from('x')) },
        ]);
        const slot = tree.slots[0]!;
        return parentAuxPow({
          auxData: encodeAuxCommitment(tree),
          chainBranch: slot.branch,
          chainIndex: slot.index,
          pow: { target: auxTarget(aux), want: 'meet' },
        });
      },
    ],
    [
      'claims the parent transaction is not the coinbase',
      'not-coinbase',
      (aux) => ({ ...goodAuxPow(aux), coinbaseIndex: 1 }),
    ],
    ['has a parent with our chain id', 'parent-has-our-chain-id', (aux) => withParentVersion(aux, 0x00620002)],
    [
      'has a parent carrying the AuxPoW version flag',
      'parent-has-auxpow-flag',
      (aux) => withParentVersion(aux, 0x20000100),
    ],
    [
      'has a chain branch of 31 hashes (h = 31)',
      'chain-branch-too-long',
      (aux) => ({ ...goodAuxPow(aux), chainBranch: Array.from({ length: 31 }, (_, i) => sha256d(Buffer.from([i]))) }),
    ],
    [
      'has a tampered parent merkle root',
      'parent-merkle-root-mismatch',
      (aux) => {
        const good = goodAuxPow(aux);
        const fields = parseHeader(good.parentHeader);
        const header = serializeHeader({ ...fields, merkleRoot: sha256d(Buffer.from('tampered')) });
        return regrind({ ...good, parentHeader: header }, { target: auxTarget(aux), want: 'meet' });
      },
    ],
    [
      'lacks the tree size and nonce after the root',
      'missing-size-and-nonce',
      (aux) => withData(aux, Buffer.concat([MERGED_MINING_MAGIC, Buffer.from(aux.hash, 'hex')])),
    ],
    [
      'has a truncated nonce',
      'missing-size-and-nonce',
      (aux) =>
        withData(
          aux,
          Buffer.concat([MERGED_MINING_MAGIC, Buffer.from(aux.hash, 'hex'), le32(1), Buffer.from([0, 0, 0])]),
        ),
    ],
    ['writes a wrong tree size', 'wrong-merkle-size', (aux) => withData(aux, data(aux, { size: 2 }))],
    [
      'writes a nonce whose slot is not the chain index (h = 3)',
      'wrong-chain-index',
      (aux) => withTree(aux, 3, 7, (index) => ({ nonce: 7 + 3, index })),
    ],
    [
      'gives a wrong slot (index + 1, h = 3)',
      'wrong-chain-index',
      (aux) => withTree(aux, 3, 7, (index) => ({ nonce: 7, index: (index + 1) % 8 })),
    ],
    [
      'has two merged-mining headers',
      'multiple-merged-mining-headers',
      (aux) => withData(aux, Buffer.concat([data(aux), MERGED_MINING_MAGIC])),
    ],
    [
      'has the header apart from the root',
      'header-not-before-root',
      (aux) => withData(aux, Buffer.concat([MERGED_MINING_MAGIC, Buffer.from([0]), data(aux).subarray(4)])),
    ],
    [
      'has a legacy root (no header) past the first 20 bytes',
      'legacy-root-too-late',
      (aux) => withData(aux, Buffer.concat([Buffer.alloc(20), data(aux).subarray(4)])),
    ],
    ['has a parent whose scrypt misses the aux target', 'pow-too-weak', (aux) => goodAuxPow(aux, 'miss')],
  ];

  it.each(refusals)('refuses a proof that %s (%s)', async (_, reason, build) => {
    const height = await doge().client.getBlockCount();
    const aux = await create();
    warnings.length = 0;
    expect(await submit(aux.hash, build(aux))).toBe(false);
    expect(await doge().client.getBlockCount()).toBe(height);
    expect(warnings).toContainEqual(
      expect.objectContaining({ obj: expect.objectContaining({ reason }), msg: expect.stringMatching(/refused/) }),
    );
    // The same block with a good proof goes in: the refusal was the proof's, not the block's.
    expect(await submit(aux.hash, goodAuxPow(aux))).toBe(true);
  });

  it('accepts the legacy form (the root within the first 20 bytes, without the header), as Namecoin’s tests do', async () => {
    const aux = await create();
    expect(await submit(aux.hash, withData(aux, data(aux).subarray(4)))).toBe(true);
  });

  it('accepts a proof from a tree of several chains, Dogecoin at its expected slot', async () => {
    const aux = await create();
    const tree = buildAuxTree([
      { chainId: 98, hash: auxHashInternal(aux) },
      { chainId: 63, hash: sha256d(Buffer.from('PEP')) },
      { chainId: 16, hash: sha256d(Buffer.from('BELLS')) },
    ]);
    const slot = tree.slots[0]!;
    expect(tree.size).toBeGreaterThan(1);
    const auxpow = parentAuxPow({
      auxData: encodeAuxCommitment(tree),
      chainBranch: slot.branch,
      chainIndex: slot.index,
      pow: { target: auxTarget(aux), want: 'meet' },
    });
    expect(await submit(aux.hash, auxpow)).toBe(true);
  });
});

describe('the DOGE stand-in with harder bits', () => {
  const HARD = 0x201fffff;
  const net = withDogeStandin({ bits: HARD });

  it('refuses a parent that meets regtest’s easy bits but not the block’s, and takes one that meets them', async () => {
    const client = net.get().client;
    const aux = await client.call<AuxBlock>('createauxblock', [net.get().poolAddress]);
    expect(aux.bits).toBe('201fffff');
    expect(auxTarget(aux)).toBe(bitsToTarget(HARD));
    // Meets 0x207fffff, misses 0x201fffff.
    const weak = regrind(goodAuxPow(aux), {
      target: bitsToTarget(REGTEST_BITS),
      want: 'meet',
      above: bitsToTarget(HARD),
    });
    expect(await client.call('submitauxblock', [aux.hash, auxPowHex(weak)])).toBe(false);
    expect(await client.call('submitauxblock', [aux.hash, auxPowHex(goodAuxPow(aux))])).toBe(true);
  });
});

describe('the stand-in’s proof-of-work check on real Dogecoin mainnet AuxPoW blocks', () => {
  // The function the stand-in's chain applies to every block: these blocks were accepted by Dogecoin Core.
  const chain = new DogeChain(scrypt, REGTEST_BITS);

  it.each([
    ['A', VECTOR_A],
    ['B', VECTOR_B],
  ])('accepts vector %s read as a stand-in block', (_, hex) => {
    const block = parseBlock(Buffer.from(`${hex}00`, 'hex'));
    expect(block.auxpow).toBeDefined();
    expect(chain.checkProofOfWork(block)).toEqual({ ok: true });
  });

  it('refuses vector B with its aux header changed after the proof was made', () => {
    const { header, auxpow } = decodeAuxHeaderWithPow(VECTOR_B);
    const changed = Buffer.from(header);
    changed[79] = (changed[79] ?? 0) ^ 1;
    expect(chain.checkProofOfWork({ header: changed, auxpow })).toMatchObject({
      ok: false,
      reason: 'missing-chain-root',
    });
  });
});

/** The single-chain commitment for this block, with some of its fields changed. */
function data(aux: AuxBlock, change: { size?: number; nonce?: number } = {}): Buffer {
  return Buffer.concat([
    MERGED_MINING_MAGIC,
    Buffer.from(aux.hash, 'hex'),
    le32(change.size ?? 1),
    le32(change.nonce ?? 0),
  ]);
}

/** A proof whose parent coinbase carries `auxData` (single chain: empty chain branch, index 0). */
function withData(aux: AuxBlock, auxData: Buffer): AuxPow {
  return parentAuxPow({ auxData, pow: { target: auxTarget(aux), want: 'meet' } });
}

function withParentVersion(aux: AuxBlock, version: number): AuxPow {
  const tree = buildAuxTree([{ chainId: 98, hash: auxHashInternal(aux) }]);
  return parentAuxPow({ auxData: encodeAuxCommitment(tree), version, pow: { target: auxTarget(aux), want: 'meet' } });
}

/**
 * A tree of 2^h leaves holding the block at the expected slot for `nonce`; `lie` picks the nonce written in the
 * commitment and the index written in the proof.
 */
function withTree(aux: AuxBlock, h: number, nonce: number, lie: (index: number) => { nonce: number; index: number }) {
  const index = expectedIndex(nonce, 98, h);
  const branch = Array.from({ length: h }, (_, i) => sha256d(Buffer.from([i, 1])));
  const told = lie(index);
  const root = rootFromBranchAt(auxHashInternal(aux), branch, told.index);
  const auxData = Buffer.concat([MERGED_MINING_MAGIC, Buffer.from(root).reverse(), le32(2 ** h), le32(told.nonce)]);
  return parentAuxPow({
    auxData,
    chainBranch: branch,
    chainIndex: told.index,
    pow: { target: auxTarget(aux), want: 'meet' },
  });
}
