import { Transaction } from 'bitcoinjs-lib';
import { describe, expect, it } from 'vitest';
import { buildCoinbase } from '../../../../core/chain/coinbase.js';
import { ConfigError } from '../../../../core/errors.js';
import {
  carve,
  coinbaseHeight,
  downstreamCoinb1,
  upstreamExtranonce2,
} from '../../../../fargate/src/jobs/proxy/carve.js';

function upstreamCoinbase(height: number, extranonce2Size: number) {
  return buildCoinbase({
    height,
    outputs: [{ value: 50n, script: Buffer.from('0014' + '11'.repeat(20), 'hex') }],
    tag: Buffer.from('/upstream/'),
    extranonce1Size: 4,
    extranonce2Size,
  });
}

describe('extranonce carving', () => {
  it("fits our miners' extranonce1 and extranonce2 exactly in the upstream's extranonce2", () => {
    expect(carve(8, 4, 4)).toEqual({ fillerBytes: 0 });
  });

  it('pads an upstream extranonce2 larger than needed with zero filler bytes', () => {
    expect(carve(12, 4, 4)).toEqual({ fillerBytes: 4 });
  });

  it('refuses an upstream whose extranonce2 cannot hold both, naming the sizes', () => {
    expect(() => carve(4, 4, 4)).toThrow(ConfigError);
    expect(() => carve(7, 4, 4)).toThrow(/7 bytes .* needs 8/);
  });

  it("joins the miner's coinbase into exactly the upstream's coinbase for the forwarded extranonce2", () => {
    const parts = upstreamCoinbase(434, 10);
    const c = carve(10, 4, 4);
    const [en1, e1, e2] = ['a1a2a3a4', 'b1b2b3b4', 'c1c2c3c4'];
    const miner = downstreamCoinb1(parts.coinb1.toString('hex'), en1, c) + e1 + e2 + parts.coinb2.toString('hex');
    const forwarded = upstreamExtranonce2(c, e1, e2);
    expect(forwarded).toBe(`0000${e1}${e2}`);
    const upstream = parts.coinb1.toString('hex') + en1 + forwarded + parts.coinb2.toString('hex');
    expect(miner).toBe(upstream);
    // a coinbase a standard parser reads, its scriptSig carrying both pools' extranonces
    const tx = Transaction.fromHex(miner);
    expect(tx.isCoinbase()).toBe(true);
    expect(Buffer.from(tx.ins[0]!.script).toString('hex')).toContain(`${en1}0000${e1}${e2}`);
  });
});

describe("an upstream job's height", () => {
  it("reads the BIP34 push at the start of coinb1's scriptSig", () => {
    for (const height of [0, 5, 16, 17, 434, 70_000, 2_500_000])
      expect(coinbaseHeight(upstreamCoinbase(height, 8).coinb1.toString('hex'))).toBe(height);
  });

  it('reads it past a segwit marker', () => {
    const hex = upstreamCoinbase(434, 8).coinb1.toString('hex');
    expect(coinbaseHeight(`${hex.slice(0, 8)}0001${hex.slice(8)}`)).toBe(434);
  });

  it('gives undefined for a coinb1 that is not a coinbase prefix', () => {
    expect(coinbaseHeight('')).toBeUndefined();
    expect(coinbaseHeight('01000000')).toBeUndefined();
    expect(coinbaseHeight(`01000000 02${'00'.repeat(36)}`.replace(' ', ''))).toBeUndefined();
    // a scriptSig whose first byte is not a small-number push
    expect(coinbaseHeight(`0100000001${'00'.repeat(32)}ffffffff05ff`)).toBeUndefined();
  });
});
