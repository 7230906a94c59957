// Builds the hashing addon with npm's bundled node-gyp, pointing it at the headers of the Node that runs this script
// (the root package's `install` script runs it through scripts/node: the Node the pool runs on). Without --nodedir,
// node-gyp downloads headers from nodejs.org, which hosts that only reach the npm registry cannot do; official Node
// tarballs, the npm registry's node-linux-* packages and Debian's nodejs all install them under <prefix>/include/node.
// They win over a configured nodedir (npm_config_nodedir, e.g. from ~/.npmrc), which may be another Node's.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = ['rebuild', '--directory', here];

const prefix = resolve(process.execPath, '..', '..');
const env = { ...process.env };
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
  delete env.npm_config_nodedir;
}

// npm exports the path of its own node-gyp to lifecycle scripts; outside npm, use the copy bundled with npm next to
// this Node, then node-gyp on PATH.
const bundledGyp = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundledGyp) ? bundledGyp : undefined);
const result = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit', env })
  : spawnSync('node-gyp', args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
