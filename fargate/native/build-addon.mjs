// Builds the hashing addon with npm's bundled node-gyp, pointing it at the headers of the Node that runs this script.
// Without --nodedir, node-gyp downloads headers from nodejs.org, which hosts that only reach the npm registry cannot
// do; official Node tarballs and Debian's nodejs both install them under <prefix>/include/node.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = ['rebuild', '--directory', here];

const prefix = resolve(process.execPath, '..', '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}

// npm exports the path of its own node-gyp to lifecycle scripts; outside npm, use the copy bundled with npm next to
// this Node, then node-gyp on PATH.
const bundledGyp = join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const gyp = process.env.npm_config_node_gyp ?? (existsSync(bundledGyp) ? bundledGyp : undefined);
const result = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' })
  : spawnSync('node-gyp', args, { stdio: 'inherit', shell: process.platform === 'win32' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
