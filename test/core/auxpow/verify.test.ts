import { describe, expect, it } from 'vitest';
import { type AuxPow, decodeAuxHeaderWithPow } from '../../../core/auxpow/auxpow.js';
import { MERGED_MINING_MAGIC } from '../../../core/auxpow/commitment.js';
import { expectedIndex } from '../../../core/auxpow/tree.js';
import {
  type AuxPowRejection,
  checkAuxBlockProofOfWork,
  checkAuxPow,
  checkAuxPowProofOfWork,
} from '../../../core/auxpow/verify.js';
import { hashToBigInt, sha256d } from '../../../core/chain/hash.js';
import { parseHeader, serializeHeader } from '../../../core/chain/header.js';
import { rootFromBranchAt } from '../../../core/chain/merkle.js';
import { encodeVarint } from '../../../core/chain/serialize.js';
import { bitsToTarget } from '../../../core/chain/target.js';
import { readTransaction } from '../../../core/chain/transaction.js';
import { scrypt } from '../../../fargate/src/hashing/index.js';
import { DOGECOIN_CHAIN_ID, VECTOR_A } from './fixtures/dogecoin-mainnet.js';
import { NAMECOIN_TEST_PREFIX } from './parent.js';

const le32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const push = (data: Buffer) => Buffer.concat([Buffer.from([data.length]), data]);
const rejected = (reason: AuxPowRejection) => expect.objectContaining({ ok: false, reason });

/** The parent header with some of its fields changed. */
function withHeader(auxpow: AuxPow, change: Partial<ReturnType<typeof parseHeader>>): AuxPow {
  return { ...auxpow, parentHeader: serializeHeader({ ...parseHeader(auxpow.parentHeader), ...change }) };
}

/**
 * The proof with another parent coinbase scriptSig, its parent header's merkle root recomputed so that the check
 * gets past the merkle root to the scriptSig rules (a single-input coinbase: the scriptSig length sits at byte 41).
 */
function withScriptSig(auxpow: AuxPow, script: Buffer): AuxPow {
  const old = readTransaction(auxpow.coinbase).inputs[0]!.script;
  const after = 41 + encodeVarint(old.length).length + old.length;
  const coinbase = Buffer.concat([
    auxpow.coinbase.subarray(0, 41),
    encodeVarint(script.length),
    script,
    auxpow.coinbase.subarray(after),
  ]);
  const merkleRoot = rootFromBranchAt(sha256d(coinbase), auxpow.coinbaseBranch, auxpow.coinbaseIndex);
  return withHeader({ ...auxpow, coinbase }, { merkleRoot });
}

describe('checkAuxPow: the cases of Namecoin auxpow_tests (h = 30, nonce 7, parent chain id 42)', () => {
  const chainId = DOGECOIN_CHAIN_ID;
  const auxHash = sha256d(Buffer.from('aux block'));
  const height = 30;
  const nonce = 7;
  const index = expectedIndex(nonce, chainId, height);
  const branch = Array.from({ length: height }, (_, i) => sha256d(Buffer.from([i])));
  const root = rootFromBranchAt(auxHash, branch, index);
  const data = (magic: boolean, r = root, size = 2 ** height, n = nonce) =>
    Buffer.concat([magic ? MERGED_MINING_MAGIC : Buffer.alloc(0), Buffer.from(r).reverse(), le32(size), le32(n)]);

  /** The minimal parent of Namecoin's and Dogecoin's functional tests: one null input, no outputs, alone in its block. */
  function proof(script: Buffer, over: Partial<AuxPow> = {}): AuxPow {
    const coinbase = Buffer.concat([
      le32(1),
      encodeVarint(1),
      Buffer.alloc(32),
      le32(0xffffffff),
      encodeVarint(script.length),
      script,
      le32(0xffffffff),
      encodeVarint(0),
      le32(0),
    ]);
    const parentHeader = serializeHeader({
      version: (42 << 16) | 2,
      prevHash: Buffer.alloc(32),
      merkleRoot: sha256d(coinbase),
      ntime: 0,
      bits: 0,
      nonce: 0,
    });
    return {
      coinbase,
      parentBlockHash: sha256d(parentHeader),
      coinbaseBranch: [],
      coinbaseIndex: 0,
      chainBranch: branch,
      chainIndex: index,
      parentHeader,
      ...over,
    };
  }
  const script = (...parts: Buffer[]) => Buffer.concat([NAMECOIN_TEST_PREFIX, ...parts.map(push)]);
  const good = proof(script(data(true)));

  it('accepts the well-formed proof', () => {
    expect(checkAuxPow(good, auxHash, chainId)).toEqual({ ok: true });
  });

  it('refuses another aux block hash (its root is not in the coinbase)', () => {
    expect(checkAuxPow(good, sha256d(Buffer.from('other aux block')), chainId)).toEqual(rejected('missing-chain-root'));
  });

  it('refuses another chain id (its slot differs)', () => {
    expect(checkAuxPow(good, auxHash, chainId + 1)).toEqual(rejected('wrong-chain-index'));
  });

  it('refuses a parent transaction that is not the coinbase', () => {
    expect(checkAuxPow({ ...good, coinbaseIndex: 1 }, auxHash, chainId)).toEqual(rejected('not-coinbase'));
  });

  it('refuses a parent that carries our chain id', () => {
    expect(checkAuxPow(good, auxHash, 42)).toEqual(rejected('parent-has-our-chain-id'));
  });

  it('refuses a chain branch of 31 hashes (h = 31)', () => {
    const longBranch = [...branch, sha256d(Buffer.from('31st'))];
    const longRoot = rootFromBranchAt(auxHash, longBranch, index);
    const long = proof(script(data(true, longRoot, 2 ** 31)), { chainBranch: longBranch });
    expect(checkAuxPow(long, auxHash, chainId)).toEqual(rejected('chain-branch-too-long'));
  });

  it('refuses a tampered parent merkle root', () => {
    const tampered = withHeader(good, { merkleRoot: sha256d(Buffer.from('tampered')) });
    expect(checkAuxPow(tampered, auxHash, chainId)).toEqual(rejected('parent-merkle-root-mismatch'));
  });

  it('accepts the legacy form without the magic when the root starts within the first 20 bytes', () => {
    expect(checkAuxPow(proof(script(data(false))), auxHash, chainId)).toEqual({ ok: true });
  });

  it('refuses the legacy form when the root starts after byte 20', () => {
    const late = Buffer.concat([Buffer.alloc(20, 0x51), push(data(false))]);
    expect(checkAuxPow(proof(late), auxHash, chainId)).toEqual(rejected('legacy-root-too-late'));
  });

  it('accepts two roots without magic, and a magic one followed by one without', () => {
    expect(checkAuxPow(proof(script(data(false), data(false))), auxHash, chainId)).toEqual({ ok: true });
    expect(checkAuxPow(proof(script(data(true), data(false))), auxHash, chainId)).toEqual({ ok: true });
  });

  it('refuses a second root with the magic header, after a root with or without one', () => {
    expect(checkAuxPow(proof(script(data(false), data(true))), auxHash, chainId)).toEqual(
      rejected('header-not-before-root'),
    );
    expect(checkAuxPow(proof(script(data(true), data(true))), auxHash, chainId)).toEqual(
      rejected('multiple-merged-mining-headers'),
    );
  });

  it('refuses a commitment whose nonce is cut off', () => {
    const cut = proof(Buffer.concat([NAMECOIN_TEST_PREFIX, push(data(true).subarray(0, 40))]));
    expect(checkAuxPow(cut, auxHash, chainId)).toEqual(rejected('missing-size-and-nonce'));
  });

  it('refuses a tree size of 2^(h-1)', () => {
    expect(checkAuxPow(proof(script(data(true, root, 2 ** (height - 1)))), auxHash, chainId)).toEqual(
      rejected('wrong-merkle-size'),
    );
  });

  it('refuses nonce + 3 (the chain is expected elsewhere)', () => {
    expect(checkAuxPow(proof(script(data(true, root, 2 ** height, nonce + 3))), auxHash, chainId)).toEqual(
      rejected('wrong-chain-index'),
    );
  });

  it('refuses a negative slot (a signed int32 on the wire) with a verdict, not an exception', () => {
    expect(checkAuxPow({ ...good, chainIndex: -1 }, auxHash, chainId)).toEqual(rejected('wrong-chain-index'));
  });

  it('refuses a proof built for slot index + 1', () => {
    const wrongSlot = index + 1;
    const rootAtWrongSlot = rootFromBranchAt(auxHash, branch, wrongSlot);
    const moved = proof(script(data(true, rootAtWrongSlot)), { chainIndex: wrongSlot });
    expect(checkAuxPow(moved, auxHash, chainId)).toEqual(rejected('wrong-chain-index'));
  });
});

describe('Dogecoin mainnet vector A mutated one thing at a time', () => {
  const { header, auxpow } = decodeAuxHeaderWithPow(VECTOR_A);
  const auxHash = sha256d(header);
  const script = readTransaction(auxpow.coinbase).inputs[0]!.script;
  // Vector A's scriptSig: height push (4), 0x2c push opcode, magic (4), root (32), size (4), nonce (4), tag …
  const rootAt = 4 + 1 + 4;

  it('refuses the aux root written in internal byte order', () => {
    const flipped = Buffer.from(script);
    flipped.subarray(rootAt, rootAt + 32).reverse();
    expect(checkAuxPow(withScriptSig(auxpow, flipped), auxHash, DOGECOIN_CHAIN_ID)).toEqual(
      rejected('missing-chain-root'),
    );
  });

  it('refuses a changed tree size, nonce or slot, and a changed chain branch hash', () => {
    const sized = Buffer.from(script);
    sized.writeUInt32LE(4, rootAt + 32);
    expect(checkAuxPow(withScriptSig(auxpow, sized), auxHash, DOGECOIN_CHAIN_ID)).toEqual(
      rejected('wrong-merkle-size'),
    );
    const renonced = Buffer.from(script);
    renonced.writeUInt32LE(0x86989ff1, rootAt + 36);
    expect(checkAuxPow(withScriptSig(auxpow, renonced), auxHash, DOGECOIN_CHAIN_ID)).toEqual(
      rejected('wrong-chain-index'),
    );
    expect(checkAuxPow({ ...auxpow, chainIndex: 1 }, auxHash, DOGECOIN_CHAIN_ID)).toEqual(
      rejected('missing-chain-root'),
    );
    const chainBranch = [sha256d(Buffer.from('x')), ...auxpow.chainBranch.slice(1)];
    expect(checkAuxPow({ ...auxpow, chainBranch }, auxHash, DOGECOIN_CHAIN_ID)).toEqual(rejected('missing-chain-root'));
  });

  it('refuses a changed coinbase branch hash (the parent merkle root no longer matches)', () => {
    const coinbaseBranch = [...auxpow.coinbaseBranch.slice(0, 5), sha256d(Buffer.from('x'))];
    expect(checkAuxPow({ ...auxpow, coinbaseBranch }, auxHash, DOGECOIN_CHAIN_ID)).toEqual(
      rejected('parent-merkle-root-mismatch'),
    );
  });

  it('refuses a parent with the auxpow version bit 0x100', () => {
    const flagged = withHeader(auxpow, { version: 0x20000100 });
    expect(checkAuxBlockProofOfWork(header, flagged, DOGECOIN_CHAIN_ID, scrypt)).toEqual(
      rejected('parent-has-auxpow-flag'),
    );
  });

  it('refuses a parent with chain id 0x62 in its version', () => {
    const ours = withHeader(auxpow, { version: 0x00620000 });
    expect(checkAuxBlockProofOfWork(header, ours, DOGECOIN_CHAIN_ID, scrypt)).toEqual(
      rejected('parent-has-our-chain-id'),
    );
  });

  it('refuses the proof for a changed aux block (another nonce in the aux header)', () => {
    const changed = serializeHeader({ ...parseHeader(header), nonce: 1 });
    expect(checkAuxBlockProofOfWork(changed, auxpow, DOGECOIN_CHAIN_ID, scrypt)).toEqual(
      rejected('missing-chain-root'),
    );
  });

  it('meets a target equal to the parent scrypt hash and fails one just below it', () => {
    const pow = hashToBigInt(scrypt(auxpow.parentHeader));
    const aux = { hash: auxHash, chainId: DOGECOIN_CHAIN_ID };
    expect(checkAuxPowProofOfWork(auxpow, { ...aux, target: pow }, scrypt)).toEqual({ ok: true });
    expect(checkAuxPowProofOfWork(auxpow, { ...aux, target: pow - 1n }, scrypt)).toEqual(rejected('pow-too-weak'));
  });

  it("measures the parent with the PoW function it is given: vector A's sha256d hash misses the Dogecoin target", () => {
    expect(checkAuxBlockProofOfWork(header, auxpow, DOGECOIN_CHAIN_ID, sha256d)).toEqual(rejected('pow-too-weak'));
  });
});

describe('checkAuxBlockProofOfWork: the aux header rules', () => {
  const { header, auxpow } = decodeAuxHeaderWithPow(VECTOR_A);
  const fields = parseHeader(header);

  it('refuses an aux block of another chain id (strict chain id)', () => {
    const other = serializeHeader({ ...fields, version: 0x00630103 });
    expect(checkAuxBlockProofOfWork(other, auxpow, DOGECOIN_CHAIN_ID, scrypt)).toEqual(rejected('wrong-chain-id'));
  });

  it('refuses a proof on a header without the auxpow flag, and the flag without a proof', () => {
    const unflagged = serializeHeader({ ...fields, version: 0x00620003 });
    expect(checkAuxBlockProofOfWork(unflagged, auxpow, DOGECOIN_CHAIN_ID, scrypt)).toEqual(
      rejected('auxpow-without-flag'),
    );
    expect(checkAuxBlockProofOfWork(header, undefined, DOGECOIN_CHAIN_ID, scrypt)).toEqual(
      rejected('auxpow-flag-without-auxpow'),
    );
  });

  it('refuses a plain version 3 block (no chain id) and checks a legacy version 1 or 2 block by its own PoW', () => {
    const bits = 0x207fffff; // regtest: about half of all hashes meet it
    const legacy = (version: number, nonce: number) => serializeHeader({ ...fields, version, bits, nonce });
    const meets = (h: Buffer) => hashToBigInt(scrypt(h)) <= bitsToTarget(bits);
    for (const version of [1, 2]) {
      let nonce = 0;
      while (!meets(legacy(version, nonce))) nonce++;
      expect(checkAuxBlockProofOfWork(legacy(version, nonce), undefined, DOGECOIN_CHAIN_ID, scrypt)).toEqual({
        ok: true,
      });
      nonce = 0;
      while (meets(legacy(version, nonce))) nonce++;
      expect(checkAuxBlockProofOfWork(legacy(version, nonce), undefined, DOGECOIN_CHAIN_ID, scrypt)).toEqual(
        rejected('pow-too-weak'),
      );
    }
    expect(checkAuxBlockProofOfWork(legacy(3, 0), undefined, DOGECOIN_CHAIN_ID, scrypt)).toEqual(
      rejected('wrong-chain-id'),
    );
  });
});
