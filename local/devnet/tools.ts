import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The executable from .tools/bin (built there by scripts/setup.sh), else the name, looked up on PATH. */
export function tool(name: string): string {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const local = join(root, '.tools', 'bin', name);
  return existsSync(local) ? local : name;
}
