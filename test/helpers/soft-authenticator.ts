import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { PasskeyJson } from '../../core/ports/identity.js';

/**
 * A software WebAuthn authenticator for tests (a passkey on an "internal" platform authenticator): one ES256 key pair
 * per credential, "none" attestation, user present and verified, a signature counter. It answers the JSON options a
 * relying party hands out (PublicKeyCredentialCreationOptionsJSON / ...RequestOptionsJSON) with the JSON a browser
 * would send back (RegistrationResponseJSON / AuthenticationResponseJSON), from a given origin. `rpId` and `origin`
 * can be forced to anything, to play a phishing page.
 */
export class SoftAuthenticator {
  private readonly credentials = new Map<
    string,
    { key: KeyObject; rpId: string; userHandle: string; counter: number }
  >();

  /** navigator.credentials.create(): a new credential for the options' RP and user. */
  register(options: PasskeyJson, at: { origin: string; rpId?: string }): PasskeyJson & { id: string } {
    const rp = options.rp as { id?: string } | undefined;
    const rpId = at.rpId ?? rp?.id ?? new URL(at.origin).hostname;
    const user = options.user as { id: string };
    const id = randomBytes(16).toString('base64url');
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x as string, 'base64url')],
      [-3, Buffer.from(jwk.y as string, 'base64url')],
    ]);
    const idBytes = Buffer.from(id, 'base64url');
    const attested = Buffer.concat([
      Buffer.alloc(16), // AAGUID: none
      Buffer.from([idBytes.length >> 8, idBytes.length & 0xff]),
      idBytes,
      Buffer.from(isoCBOR.encode(coseKey)),
    ]);
    const authData = authenticatorData(rpId, FLAG_UP | FLAG_UV | FLAG_AT, 0, attested);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Map<string, string> | Uint8Array>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    );
    this.credentials.set(id, { key: privateKey, rpId, userHandle: user.id, counter: 0 });
    const clientDataJSON = clientData('webauthn.create', options.challenge as string, at.origin);
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /** navigator.credentials.get(): an assertion by credential `id` (the only one held, when not given). */
  assert(options: PasskeyJson, at: { origin: string; rpId?: string; id?: string }): PasskeyJson {
    const id = at.id ?? [...this.credentials.keys()][0];
    const cred = id === undefined ? undefined : this.credentials.get(id);
    if (!id || !cred) throw new Error('the authenticator holds no such credential');
    cred.counter += 1;
    const rpId = at.rpId ?? (options.rpId as string | undefined) ?? cred.rpId;
    const authData = authenticatorData(rpId, FLAG_UP | FLAG_UV, cred.counter);
    const clientDataJSON = clientData('webauthn.get', options.challenge as string, at.origin);
    const signed = Buffer.concat([
      authData,
      createHash('sha256').update(Buffer.from(clientDataJSON, 'base64url')).digest(),
    ]);
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON,
        authenticatorData: authData.toString('base64url'),
        signature: sign('sha256', signed, cred.key).toString('base64url'),
        userHandle: cred.userHandle,
      },
    };
  }
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

function authenticatorData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  const rpIdHash = createHash('sha256').update(rpId).digest();
  return Buffer.concat([rpIdHash, Buffer.from([flags]), count, ...(attested ? [attested] : [])]);
}

function clientData(type: string, challenge: string, origin: string): string {
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false })).toString('base64url');
}
