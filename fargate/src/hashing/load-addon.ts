import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../../core/errors.js';

/** What fargate/native/src/addon.cc exports. */
export interface HashingAddon {
  sha256d(data: Uint8Array): Buffer;
  /** Writes SHA-256(SHA-256(data)) into out[0..32); out must hold at least 32 bytes. */
  sha256dInto(data: Uint8Array, out: Uint8Array): void;
  scrypt(header: Uint8Array): Buffer;
  /** out[0..32) = scrypt(h1), out[32..64) = scrypt(h2), hashed interleaved. */
  scryptPairInto(h1: Uint8Array, h2: Uint8Array, out: Uint8Array): void;
  scryptRaw(password: Uint8Array, salt: Uint8Array, N: number, r: number, p: number, dkLen: number): Buffer;
}

/**
 * Where node-gyp puts the addon when the root package's `install` script builds fargate/native; the container image,
 * whose server is one bundled file, says where it put the addon with POOL_HASHING_ADDON.
 */
export const DEFAULT_ADDON_PATH =
  process.env.POOL_HASHING_ADDON ??
  fileURLToPath(new URL('../../native/build/Release/pool_hashing.node', import.meta.url));

/**
 * Loads the native hashing addon. There is deliberately no JavaScript fallback: a pool that silently validated
 * shares ~at node:crypto speed (or with a different implementation) would hide a broken build.
 */
export function loadHashingAddon(path: string = DEFAULT_ADDON_PATH): HashingAddon {
  const require = createRequire(import.meta.url);
  try {
    return require(path) as HashingAddon;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND';
    const problem = missing ? 'is missing' : 'failed to load (built for another Node version or platform?)';
    throw new ConfigError(
      `Native hashing addon ${path} ${problem}: run \`npm install\` (or \`npm rebuild\`) in the repository root to build fargate/native.`,
      [],
      { cause: error },
    );
  }
}
