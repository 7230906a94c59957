import { readFileSync } from 'node:fs';
import { payments, Transaction } from 'bitcoinjs-lib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reverseHex, sha256d } from '../../../core/chain/hash.js';
import { fromStratumPrevHash, toStratumPrevHash } from '../../../core/chain/header.js';
import { merkleRoot } from '../../../core/chain/merkle.js';
import { decodeVarint, readScriptNumberPush } from '../../../core/chain/serialize.js';
import { isHogEx, parseBlockTemplate } from '../../../core/chain/template.js';
import {
  assembleBlock,
  blockHash,
  blockHexParts,
  blockTailHex,
  buildWork,
  ShareAssembler,
  solveWork,
} from '../../../core/chain/work.js';
import { addressToOutputScript, getCoin } from '../../../core/coins/index.js';

const raw = JSON.parse(readFileSync(new URL('../../fixtures/gbt/ltc-regtest-mweb.json', import.meta.url), 'utf8'));
const ltc = getCoin('LTC');
const poolAddress = payments.p2wpkh({ hash: Buffer.alloc(20, 7), network: ltc.networks.regtest![0] }).address!;
const poolScript = addressToOutputScript(ltc, 'regtest', poolAddress);

function work() {
  return buildWork(parseBlockTemplate(raw), {
    script: poolScript,
    tag: Buffer.from('/edgepool/'),
    extranonce1Size: 4,
    extranonce2Size: 4,
  });
}

const solution = {
  extranonce1: 'a1b2c3d4',
  extranonce2: '00000007',
  ntime: raw.curtime,
  nonce: 42,
  version: raw.version,
};

describe('work from a recorded Litecoin regtest MWEB template', () => {
  it('the fixture is what it claims: MWEB active, a mempool transaction and the HogEx last', () => {
    expect(typeof raw.mweb).toBe('string');
    expect(raw.transactions.length).toBeGreaterThanOrEqual(2);
    expect(isHogEx(raw.transactions.at(-1).data)).toBe(true);
    expect(raw.transactions.slice(0, -1).some((tx: { data: string }) => isHogEx(tx.data))).toBe(false);
  });

  it('merkle root from branch + coinbase equals the root over all txids', () => {
    const w = work();
    const { coinbase, header } = solveWork(w, solution);
    const txids = [
      sha256d(coinbase),
      ...raw.transactions.map((tx: { txid: string }) => Buffer.from(tx.txid, 'hex').reverse()),
    ];
    expect(header.subarray(36, 68).equals(merkleRoot(txids))).toBe(true);
  });

  it('header carries the template fields in consensus byte order', () => {
    const { header } = solveWork(work(), solution);
    expect(header.length).toBe(80);
    expect(header.readUInt32LE(0)).toBe(raw.version);
    expect(reverseHex(header.subarray(4, 36).toString('hex'))).toBe(raw.previousblockhash);
    expect(header.readUInt32LE(68)).toBe(raw.curtime);
    expect(header.readUInt32LE(72).toString(16)).toBe(raw.bits);
    expect(header.readUInt32LE(76)).toBe(42);
  });

  it('coinbase parses: BIP34 height, pays coinbasevalue to the pool script, carries the witness commitment', () => {
    const { coinbase } = solveWork(work(), solution);
    const tx = Transaction.fromBuffer(coinbase);
    expect(readScriptNumberPush(Buffer.from(tx.ins[0]!.script)).value).toBe(raw.height);
    expect(tx.outs).toHaveLength(2);
    expect(tx.outs[0]!.value).toBe(BigInt(raw.coinbasevalue));
    expect(Buffer.from(tx.outs[0]!.script).equals(poolScript)).toBe(true);
    expect(tx.outs[1]!.value).toBe(0n);
    expect(Buffer.from(tx.outs[1]!.script).toString('hex')).toBe(raw.default_witness_commitment);
  });

  it('block: header, tx count, segwit coinbase, template txs with HogEx last, then 0x01 ‖ mweb', () => {
    const w = work();
    const { coinbase, header } = solveWork(w, solution);
    const block = assembleBlock(w, coinbase, header);
    expect(block.subarray(0, 80).equals(header)).toBe(true);
    const count = decodeVarint(block, 80);
    expect(count.value).toBe(raw.transactions.length + 1);
    let offset = 80 + count.size;
    const cb = Transaction.fromBuffer(block.subarray(offset), true);
    expect(cb.isCoinbase()).toBe(true);
    expect(cb.ins[0]!.witness.map((x) => Buffer.from(x).toString('hex'))).toEqual(['00'.repeat(32)]);
    expect(cb.getId()).toBe(reverseHex(sha256d(coinbase).toString('hex')));
    offset += cb.byteLength();
    for (const tx of raw.transactions as { data: string }[]) {
      expect(block.subarray(offset, offset + tx.data.length / 2).toString('hex')).toBe(tx.data);
      offset += tx.data.length / 2;
    }
    const lastTx = raw.transactions.at(-1).data as string;
    expect(block.subarray(offset - lastTx.length / 2, offset).toString('hex')).toBe(lastTx);
    expect(isHogEx(lastTx)).toBe(true);
    expect(block[offset]).toBe(0x01);
    expect(block.subarray(offset + 1).toString('hex')).toBe(raw.mweb);
  });

  it('block as hex pieces: header, count, coinbase, then the template tail given (or made) as it is', () => {
    const w = work();
    const { coinbase, header } = solveWork(w, solution);
    const tail = blockTailHex(w.template);
    expect(tail).toBe(`${w.template.transactions.map((t) => t.data).join('')}01${w.template.mweb}`);
    const parts = blockHexParts(w, coinbase, header, tail);
    expect(parts.join('')).toBe(assembleBlock(w, coinbase, header).toString('hex'));
    expect(Object.is(parts[3], tail)).toBe(true); // not copied
    expect(blockHexParts(w, coinbase, header).join('')).toBe(parts.join(''));
  });

  it('the stratum prevhash of the job decodes to the template previous block', () => {
    const w = work();
    expect(reverseHex(fromStratumPrevHash(toStratumPrevHash(w.prevHash)).toString('hex'))).toBe(raw.previousblockhash);
  });

  it('block hash is sha256d of the header in display order', () => {
    const { header } = solveWork(work(), solution);
    expect(blockHash(header)).toBe(reverseHex(sha256d(header).toString('hex')));
  });

  it('without a witness commitment or mweb the block is legacy serialized with no trailer', () => {
    const { default_witness_commitment: _c, mweb: _m, ...plain } = raw;
    const legacy = { ...plain, transactions: raw.transactions.slice(0, -1) };
    const w = buildWork(parseBlockTemplate(legacy), {
      script: poolScript,
      tag: Buffer.from('/edgepool/'),
      extranonce1Size: 4,
      extranonce2Size: 4,
    });
    const { coinbase, header } = solveWork(w, solution);
    const block = assembleBlock(w, coinbase, header);
    const expected = Buffer.concat([
      header,
      Buffer.from([legacy.transactions.length + 1]),
      coinbase,
      ...legacy.transactions.map((t: { data: string }) => Buffer.from(t.data, 'hex')),
    ]);
    expect(block.equals(expected)).toBe(true);
    expect(Transaction.fromBuffer(coinbase).outs).toHaveLength(1);
  });
});

describe('ShareAssembler: the share path without hex round trips', () => {
  const hex = (bytes: number) =>
    fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));

  it('builds the same header and coinbase as solveWork, for random extranonces, times, nonces and merkle branches', () => {
    fc.assert(
      fc.property(
        hex(4),
        hex(4),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }),
        (extranonce1, extranonce2, ntime, nonce, branch) => {
          const w = { ...work(), merkleBranch: branch.map((b) => Buffer.from(b)) };
          const s = { extranonce1, extranonce2, ntime, nonce, version: 0x20000000 | (nonce & 0x1fffe000) };
          const assembler = new ShareAssembler(w, 4, 4);
          const expected = solveWork(w, s);
          expect(assembler.header(s).toString('hex')).toBe(expected.header.toString('hex'));
          expect(assembler.coinbase(s).toString('hex')).toBe(expected.coinbase.toString('hex'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hashes the header in one call: the digest of the header solveWork gives, which it keeps until the next share', () => {
    fc.assert(
      fc.property(
        hex(4),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 12 }),
        (extranonce2, nonce, branch) => {
          const w = { ...work(), merkleBranch: branch.map((b) => Buffer.from(b)) };
          const s = { ...solution, extranonce2, nonce, version: 0x20000000 | (nonce & 0x1fffe000) };
          const expected = solveWork(w, s).header;
          const assembler = new ShareAssembler(w, 4, 4);
          const digest = assembler.hashHeader(s);
          expect(digest).toBe(assembler.digest);
          expect(digest.toString('hex')).toBe(sha256d(expected).toString('hex'));
          expect(assembler.headerCopy().toString('hex')).toBe(expected.toString('hex'));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives each share its own header and coinbase: a later share never changes an earlier one', () => {
    const assembler = new ShareAssembler(work(), 4, 4);
    const first = { ...solution, extranonce2: '00000001' };
    const header = assembler.header(first);
    const coinbase = assembler.coinbase(first);
    const kept = [header.toString('hex'), coinbase.toString('hex')];
    assembler.header({ ...solution, extranonce2: 'ffffffff', nonce: 7 });
    assembler.coinbase({ ...solution, extranonce2: 'ffffffff' });
    expect([header.toString('hex'), coinbase.toString('hex')]).toEqual(kept);
    expect(kept).toEqual([
      solveWork(work(), first).header.toString('hex'),
      solveWork(work(), first).coinbase.toString('hex'),
    ]);
  });

  it('holds the network target as the bytes of the work target', () => {
    const w = work();
    expect(BigInt(`0x${new ShareAssembler(w, 4, 4).networkTarget.toString('hex')}`)).toBe(w.networkTarget);
  });

  it('refuses extranonces of the wrong size or not hex, so no share is built from a half-written coinbase', () => {
    const assembler = new ShareAssembler(work(), 4, 4);
    for (const [extranonce1, extranonce2] of [
      ['a1b2c3', '00000007'],
      ['a1b2c3d4', '0000000700'],
      ['a1b2c3d4', '000000zz'],
      ['g1b2c3d4', '00000007'],
    ]) {
      expect(() => assembler.header({ ...solution, extranonce1: extranonce1!, extranonce2: extranonce2! })).toThrow(
        RangeError,
      );
    }
  });
});
