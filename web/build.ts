import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** Builds the dashboard into web/dist (static files for S3 + CloudFront, or the local HTTP server). */
export async function buildWeb(): Promise<string> {
  const root = dirname(fileURLToPath(import.meta.url));
  const out = join(root, 'dist');
  await mkdir(out, { recursive: true });
  await build({
    entryPoints: { app: join(root, 'src/main.ts') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    outdir: out,
    logLevel: 'warning',
  });
  await copyFile(join(root, 'index.html'), join(out, 'index.html'));
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(`dashboard built into ${await buildWeb()}`);
}
