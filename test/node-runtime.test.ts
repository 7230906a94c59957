import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHashingAddon } from '../fargate/src/hashing/load-addon.js';
import { POOL_BUNDLE_TARGET, POOL_RUNTIME } from '../infra/constructs/pool-function.js';

const ROOT = join(import.meta.dirname, '..');
const run = promisify(execFile);
/** The Node the project runs on (scripts/setup.sh fetches it when the machine's is older). */
const PINNED = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();
const PINNED_MAJOR = Number(PINNED.split('.')[0]);
const major = (version: string) => Number(/^v?(\d+)\./.exec(version)?.[1]);

/** The first `node` on PATH that is not the project's own .tools/node: the machine's Node. */
function machineNode(): string | undefined {
  const tools = join(ROOT, '.tools', 'node', 'bin');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || resolve(dir) === tools) continue;
    try {
      accessSync(join(dir, 'node'), constants.X_OK);
      return join(dir, 'node');
    } catch {}
  }
  return undefined;
}
const MACHINE_NODE = machineNode();
const MACHINE_MAJOR = MACHINE_NODE ? major(execFileSync(MACHINE_NODE, ['--version'], { encoding: 'utf8' })) : NaN;

describe('the Node the project runs on', () => {
  it(`runs these tests on Node ${PINNED_MAJOR} or newer (npm test runs Vitest through scripts/node)`, () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(PINNED_MAJOR);
  });

  it('scripts/node runs that Node and puts it first on PATH for what it starts by name', async () => {
    const { stdout } = await run(join(ROOT, 'scripts/node'), [
      '-e',
      `const { execFileSync } = require('node:child_process');
       console.log(process.version, execFileSync('node', ['--version'], { encoding: 'utf8' }).trim());`,
    ]);
    const [own, child] = stdout.trim().split(' ');
    expect(major(own!)).toBeGreaterThanOrEqual(PINNED_MAJOR);
    expect(child).toBe(own);
  });

  describe('the pool CLI (bin/pool.mjs) started by the machine’s older Node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-node-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it.skipIf(!(MACHINE_MAJOR < PINNED_MAJOR))(
      `runs itself again on Node ${PINNED} (skipped where the machine's Node is new enough)`,
      async () => {
        // Preloaded into every process of the run (the CLI passes its Node options on): each says which Node it is.
        const probe = join(dir, 'probe.cjs');
        writeFileSync(probe, "process.stderr.write(['probe', process.version, process.execPath].join(' ') + '\\n');");
        const { stdout, stderr } = await run(MACHINE_NODE!, ['--require', probe, join(ROOT, 'bin/pool.mjs'), '--help']);
        const probes = stderr.split('\n').filter((l) => l.startsWith('probe '));
        expect(probes).toEqual([
          `probe ${execFileSync(MACHINE_NODE!, ['--version'], { encoding: 'utf8' }).trim()} ${realpathSync(MACHINE_NODE!)}`,
          `probe v${PINNED} ${join(ROOT, '.tools/node/bin/node')}`,
        ]);
        expect(stdout).toContain('--data-dir DIR');
      },
    );
  });

  it('has the hashing addon built against the headers of the Node running it, loading and hashing there', () => {
    // node-gyp records the headers' ABI version in build/config.gypi (a comment line, then JSON).
    const gypi = readFileSync(join(ROOT, 'fargate/native/build/config.gypi'), 'utf8').replace(/^#.*$/gm, '');
    const { variables } = JSON.parse(gypi) as { variables: { node_module_version: number } };
    expect(String(variables.node_module_version)).toBe(process.versions.modules);
    // SHA-256(SHA-256("abc")), the FIPS 180-2 message hashed twice.
    expect(loadHashingAddon().sha256d(Buffer.from('abc')).toString('hex')).toBe(
      '4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358',
    );
  });

  it('is the Node of the Lambdas, their bundles and both stages of the stratum image', () => {
    expect(POOL_RUNTIME.name).toBe(`nodejs${PINNED_MAJOR}.x`);
    expect(POOL_BUNDLE_TARGET).toBe(`node${PINNED_MAJOR}`);
    const dockerfile = readFileSync(join(ROOT, 'fargate/Dockerfile'), 'utf8');
    const images = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(images).toEqual([`node:${PINNED_MAJOR}-bookworm-slim`, `node:${PINNED_MAJOR}-bookworm-slim`]);
    expect([...dockerfile.matchAll(/--target=(\S+)/g)].map((m) => m[1])).toEqual([`node${PINNED_MAJOR}`]);
  });
});
