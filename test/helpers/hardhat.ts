import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HDNodeWallet, JsonRpcProvider, Mnemonic } from 'ethers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Hardhat's well-known development mnemonic: its accounts are funded with 10 000 ETH each. */
const MNEMONIC = 'test test test test test test test test test test test junk';

export interface HardhatNode {
  url: string;
  /** Caching off (ethers shares identical calls for 250 ms by default, which hides new blocks and nonces). */
  provider: JsonRpcProvider;
  /** Funded wallets (local keys, as in production), connected to `provider`. */
  wallet(index: number): HDNodeWallet;
  mine(blocks?: number): Promise<void>;
  /** Automine on (the default: every transaction is mined at once) or off (transactions wait in the mempool). */
  automine(on: boolean): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Hardhat 2 node (`hardhat node`) on a free loopback port, with a minimal config in a temporary folder (no sources:
 * it compiles nothing and downloads nothing). About a second to start. Hardhat, unlike Ganache 7, refuses a second
 * transaction with a used nonce, as a real chain does.
 */
export async function startHardhat(): Promise<HardhatNode> {
  const dir = await mkdtemp(join(tmpdir(), 'hardhat-'));
  const config = join(dir, 'hardhat.config.cjs');
  await writeFile(
    config,
    `module.exports = { networks: { hardhat: { chainId: 31337, accounts: { mnemonic: ${JSON.stringify(MNEMONIC)}, count: 5 } } } };\n`,
  );
  const cli = createRequire(import.meta.url).resolve('hardhat/internal/cli/cli.js');
  const proc = spawn(process.execPath, [cli, 'node', '--hostname', '127.0.0.1', '--port', '0', '--config', config], {
    cwd: ROOT, // Hardhat refuses to run from outside the project that installed it
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let url: string;
  try {
    url = await listeningUrl(proc);
  } catch (err) {
    await stopProcess(proc);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const provider = new JsonRpcProvider(url, 31337, { cacheTimeout: -1, staticNetwork: true, pollingInterval: 50 });
  const seed = Mnemonic.fromPhrase(MNEMONIC);
  return {
    url,
    provider,
    wallet: (index) => HDNodeWallet.fromMnemonic(seed, `m/44'/60'/0'/0/${index}`).connect(provider),
    async mine(blocks = 1) {
      await provider.send('hardhat_mine', [`0x${blocks.toString(16)}`]);
    },
    async automine(on) {
      await provider.send('evm_setAutomine', [on]);
    },
    async stop() {
      provider.destroy();
      await stopProcess(proc);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function listeningUrl(proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hardhat node did not start:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /JSON-RPC server at (http:\/\/\S+?)\/?\s/.exec(out);
      if (m) {
        clearTimeout(timer);
        // The node logs every request: keep reading so its pipe never fills and blocks it.
        proc.stdout!.off('data', onData);
        proc.stdout!.resume();
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hardhat node exited with ${code}:\n${out}`));
    });
  });
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
