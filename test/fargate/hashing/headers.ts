// Block headers of real chains for the hashing tests, built from their published fields.

/** Hashes are shown byte-reversed (as block explorers and RPC do); internally they are little-endian. */
export const display = (hash: Buffer): string => Buffer.from(hash).reverse().toString('hex');

export interface HeaderFields {
  version: number;
  prevHash: string; // display order
  merkleRoot: string; // display order
  time: number;
  bits: number;
  nonce: number;
}

/** The 80-byte header: little-endian integers and the two hashes in internal byte order. */
export function buildHeader(f: HeaderFields): Buffer {
  const header = Buffer.alloc(80);
  header.writeInt32LE(f.version, 0);
  Buffer.from(f.prevHash, 'hex').reverse().copy(header, 4);
  Buffer.from(f.merkleRoot, 'hex').reverse().copy(header, 36);
  header.writeUInt32LE(f.time, 68);
  header.writeUInt32LE(f.bits, 72);
  header.writeUInt32LE(f.nonce, 76);
  return header;
}

/** Litecoin mainnet block 29255, fields and hashes as published by the Litecoin wiki ("Scrypt" page, its dbdump). */
export const litecoinBlock29255 = {
  header: buildHeader({
    version: 1,
    prevHash: '279f6330ccbbb9103b9e3a5350765052081ddbae898f1ef6b8c64f3bcef715f6',
    merkleRoot: '066b2a758399d5f19b5c6073d09b500d925982adc4b3edd352efe14667a8ca9f',
    time: 1320884152,
    bits: 0x1d018ea7,
    nonce: 3562614017,
  }),
  hash: 'adf6e2e56df692822f5e064a8b6404a05d67cccd64bc90f57f65b46805e9a54b',
  scrypt: '0000000110c8357966576df46f3b802ca897deb7ad18b12f1c24ecff6386ebd9',
};
