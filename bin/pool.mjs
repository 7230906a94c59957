#!/usr/bin/env node
// The `pool` operator CLI. Runs the TypeScript sources directly (tsx), so the checkout needs no build step.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// The Node scripts/setup.sh installs when the machine's is older than the pinned one (see scripts/node): when it
// exists and is not the Node running this, the CLI runs again on it.
const toolsNode = fileURLToPath(new URL('../.tools/node/bin/node', import.meta.url));

if (existsSync(toolsNode) && realpathSync(process.execPath) !== realpathSync(toolsNode)) {
  const child = spawn(toolsNode, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, PATH: `${dirname(toolsNode)}:${process.env.PATH ?? ''}` },
  });
  // Ctrl-C reaches the child from the terminal (same process group); passing SIGINT on as well would be a second
  // one, which cuts the pool's graceful stop short. Signals sent to this process alone are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.once('error', (error) => {
    console.error(`pool: cannot run ${toolsNode}: ${error.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code ?? 1);
  });
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../local/cli.ts');
}
