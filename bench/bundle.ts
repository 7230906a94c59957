// A bench server bundled as the container's Dockerfile bundles fargate/src/main.ts: esbuild, one ESM file, no tsx.
// Under tsx, esbuild's keepNames gives every named function an own `name` property (~1 KiB per connection) and
// wraps closures made per call; tsx's loader functions show in a profile of the share path. The container has none
// of it, so the figures of memory and of CPU per share come from a bundle.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/** The native addon a bundle loads (as the container's POOL_HASHING_ADDON). */
export const BENCH_ADDON = fileURLToPath(new URL('../fargate/native/build/Release/pool_hashing.node', import.meta.url));

/** Bundles `bench/<script>.ts` into `dir`; returns the file to fork (with POOL_HASHING_ADDON = BENCH_ADDON). */
export function bundleBenchScript(script: string, dir: string): string {
  const outfile = join(dir, `${script}.mjs`);
  buildSync({
    entryPoints: [fileURLToPath(new URL(`./${script}.ts`, import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    legalComments: 'none',
    outfile,
    banner: {
      js: "import { createRequire as __poolRequire } from 'node:module'; const require = __poolRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  return outfile;
}
