import { describe, expect, it } from 'vitest';
import { getCoin } from '../../../core/coins/index.js';
import { verifyMessageSignature } from '../../../core/coins/message-signature.js';
import { type SigningKind, testKey } from '../../helpers/message-signer.js';

const BTC = getCoin('BTC');
const LTC = getCoin('LTC');

describe('signed messages (BIP137, BIP322 simple)', () => {
  it('verifies the BIP322 specification vectors (P2WPKH, "Hello World" and the empty message)', () => {
    const address = 'bc1q9vza2e8x573nczrlzms0wvx3gsqjx7vavgkx0l';
    const hello =
      'AkcwRAIgZRfIY3p7/DoVTty6YZbWS71bc5Vct9p9Fia83eRmw2QCICK/ENGfwLtptFluMGs2KsqoNSk89pO7F29zJLUx9a/sASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=';
    const empty =
      'AkcwRAIgM2gBAQqvZX15ZiysmKmQpDrG83avLIT492QBzLnQIxYCIBaTpOaD20qRlEylyxFSeEA2ba9YOixpX8z46TSDtS40ASECx/EgAxlkQpQ9hYjgGu6EBCPMVPwVIVJqO4XCsMvViHI=';
    expect(verifyMessageSignature(BTC, 'mainnet', address, 'Hello World', hello)).toBe(true);
    expect(verifyMessageSignature(BTC, 'mainnet', address, '', empty)).toBe(true);
    expect(verifyMessageSignature(BTC, 'mainnet', address, 'Hello World', empty)).toBe(false);
  });

  it('verifies a Bitcoin Core style signmessage signature of a legacy address (bitcoinjs-message README vector)', () => {
    const address = '1F3sAm6ZtwLAUnj7d38pGFxtP3RVEvtsbV';
    const message = 'This is an example of a signed message.';
    const signature = 'H9L5yLFjti0QTHhPyFrZCT1V/MMnBtXKmoiKDZ78NDBjERki6ZTQZdSMCtkgoNmp17By9ItJr8o7ChX0XxY91nk=';
    expect(verifyMessageSignature(BTC, 'mainnet', address, message, signature)).toBe(true);
    expect(verifyMessageSignature(BTC, 'mainnet', address, `${message}!`, signature)).toBe(false);
  });

  it.each(['p2pkh', 'p2sh-p2wpkh', 'p2wpkh'] as SigningKind[])(
    'verifies BIP137 signatures of a Litecoin %s address with the Litecoin message prefix',
    (kind) => {
      const key = testKey('LTC', 'regtest');
      const sig = key.signBip137('pay me in BTC', kind);
      expect(verifyMessageSignature(LTC, 'regtest', key.address[kind], 'pay me in BTC', sig)).toBe(true);
      expect(verifyMessageSignature(LTC, 'regtest', key.address[kind], 'pay me in USDT', sig)).toBe(false);
      expect(
        verifyMessageSignature(LTC, 'regtest', testKey('LTC', 'regtest', 2).address[kind], 'pay me in BTC', sig),
      ).toBe(false);
    },
  );

  it('verifies a BIP322 simple signature of a Litecoin bech32 address, and refuses another key', () => {
    const key = testKey('LTC', 'regtest');
    const other = testKey('LTC', 'regtest', 3);
    expect(verifyMessageSignature(LTC, 'regtest', key.address.p2wpkh, 'm', key.signBip322('m'))).toBe(true);
    expect(verifyMessageSignature(LTC, 'regtest', key.address.p2wpkh, 'm', other.signBip322('m'))).toBe(false);
    expect(verifyMessageSignature(LTC, 'regtest', key.address.p2wpkh, 'n', key.signBip322('m'))).toBe(false);
  });

  it('answers false, never throws, for garbage signatures and addresses', () => {
    const key = testKey('LTC', 'regtest');
    for (const sig of ['', 'not base64!', 'AAAA', Buffer.alloc(65, 7).toString('base64')]) {
      expect(verifyMessageSignature(LTC, 'regtest', key.address.p2wpkh, 'm', sig)).toBe(false);
    }
    expect(verifyMessageSignature(LTC, 'regtest', 'nonsense', 'm', key.signBip137('m', 'p2pkh'))).toBe(false);
  });
});
