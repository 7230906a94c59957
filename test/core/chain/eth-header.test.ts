import { describe, expect, it } from 'vitest';
import { type EthHeaderJson, sealHash } from '../../../core/chain/eth-header.js';
import { DaemonError } from '../../../core/errors.js';

const ZERO_BLOOM = `0x${'00'.repeat(256)}`;
/**
 * ETC mainnet blocks 10,000,000 (before ECIP-1099) and 15,000,000 (after), the fields eth_getBlockByNumber returns
 * (as in etclabscore/open-etc-pool proxy/etchash_vector_test.go); seal hash and block hash from the reference
 * (/work/shared/reference/etchash-and-ethereum-stratum.md §2.4).
 */
const BLOCKS: Array<{ header: EthHeaderJson; seal: string }> = [
  {
    header: {
      number: '0x989680',
      hash: '0x83bd7d679c4045bc71cba8ed60d2c9263a5e2ef101b1f3b36dd77c5007b53088',
      difficulty: '0x8d51aa3e06d7',
      nonce: '0x2e56400011aa68bb',
      mixHash: '0xeeecef23e81ea2b635fe4ddb1b0a73f672185442c580d7ef3c069269566b9fe6',
      parentHash: '0xc30ce5be0729bbba8fdfad0a7e63e144661533e261b8c46fe8c17f8ae32cbbc5',
      sha3Uncles: '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347',
      miner: '0x0073cf1b9230cf3ee8cab1971b8dbef21ea7b595',
      stateRoot: '0x72295b0f3a32caca037dc0b2941517c42f58cc322fd59d93fb9f4343690062fe',
      transactionsRoot: '0x222c814f9fa5fe63899dd415623eea2a31df844743fbda32339b788fad74ea5b',
      receiptsRoot: '0x5a192cfacfa828e351d620219f8b164bc450c03a3ee437e136de609250d9d05c',
      gasLimit: '0x79f39e',
      gasUsed: '0x6b3220',
      timestamp: '0x5e7068d0',
      extraData: '0x457468657265756d436c617373696350504c4e532f326d696e657273',
      logsBloom: ZERO_BLOOM,
    },
    seal: '0xf0518dfafdeff5130e7351d3ca4e67fa27e26cac194cd96a377c47e472279a38',
  },
  {
    header: {
      number: '0xe4e1c0',
      hash: '0x84874b0adc571dd049d02788a013d74c30362de6fdbc0aa178fec370c8dd1114',
      difficulty: '0x144350f51ecab',
      nonce: '0x51722f9f5fe9570d',
      mixHash: '0xd42078e487ac321317e73b98cf8f6f70e5c30bbc38c1cf8d11fc03add955a096',
      parentHash: '0xebf1b5d82c42d8fa8dcce8cb2a3a24cc9247a2781bed92e692db93a1061cc8e2',
      sha3Uncles: '0x04f61d1bb93de95612070cddb43a70dcf8170395029266b9a85e300a30ace389',
      miner: '0x8ccfe15255cddcd20fc667fc508936c74e91e5c1',
      stateRoot: '0x050bc26b273da87b05812dc37c9dbc22399fa012d3833a7b6e0addbb3debbcb7',
      transactionsRoot: '0xc068e810273bb69f4bf9a87de71a9ca07b51df4db2a139155bd7bdc54e3368b4',
      receiptsRoot: '0x1cb808c3d7074667a9b8014a6d1c2b8e77ab8a4f4ea4fc21aa82ff3cbe874a30',
      gasLimit: '0x7a1200',
      gasUsed: '0x260bb',
      timestamp: '0x62668324',
      extraData: '0x43727578706f6f6c205050532f7573',
      logsBloom:
        '0x00000000000000000000000000000100004080000000000000000000000000000000002000000000000000000000000000000000000004000000000041000000000000000000000000000000000000000000000000000000001000000020200000000040020000000000000000800820002000000000000000000000000000000000000000000000000000000000000000000000000000000001000000000000000000000000000000000000000000000000200000000000080000000000000000000000000000000000000000000000100002000000020000000000000020000000000000000000000000000000000000000000040000000000000000000000',
    },
    seal: '0x7fa7fa6a2b6e60576a78a7aaff610b55c4768959bd280c127b8fe577230e34de',
  },
];

describe('sealHash (the work a found ETC block is known by)', () => {
  it('gives the seal hash of real ETC blocks before and after ECIP-1099, checked against their block hashes', () => {
    for (const { header, seal } of BLOCKS) expect(sealHash(header)).toBe(seal);
  });

  it('refuses a header whose fields do not hash to its block hash (a field it does not know), naming the block', () => {
    const { header } = BLOCKS[1]!;
    expect(() => sealHash({ ...header, gasUsed: '0x260bc' })).toThrow(DaemonError);
    expect(() => sealHash({ ...header, baseFeePerGas: '0x1' })).toThrow(/block 15000000: its fields hash to/);
  });
});
