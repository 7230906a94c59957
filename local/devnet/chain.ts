import type { DaemonClient, RawBlockTemplate } from '../../adapters/rpc/daemon-client.js';
import { DaemonError } from '../../core/errors.js';
import type { Logger } from '../../core/ports/logger.js';
import { sleep } from './litecoind.js';

/**
 * Litecoin's MWEB is a BIP9 deployment that regtest activates by mining alone: defined → started (143) →
 * locked_in (287) → active, the first block with MWEB rules being 432.
 */
export const MWEB_ACTIVE_HEIGHT = 432;
/** Height of a freshly prepared devnet: the first MWEB block (432) mined; templates build block 433. */
export const DEVNET_READY_HEIGHT = MWEB_ACTIVE_HEIGHT;
/** Litecoin Core refuses getblocktemplate without `mweb` in the rules (code -8) once the deployment exists. */
export const GBT_RULES = ['mweb', 'segwit'] as const;
/** Base units per LTC. */
export const COIN = 100_000_000n;

/** Loads the wallet, creating it the first time. */
export async function ensureWallet(node: DaemonClient, name: string): Promise<DaemonClient> {
  const loaded = await node.call<string[]>('listwallets');
  if (!loaded.includes(name)) {
    const onDisk = await node.call<{ wallets: { name: string }[] }>('listwalletdir');
    if (onDisk.wallets.some((w) => w.name === name)) await node.call('loadwallet', [name]);
    else await node.call('createwallet', [name]);
  }
  return node.withWallet(name);
}

/** The chain has its first MWEB block: the deployment is active and the tip is at or past its first height. */
export async function mwebReady(node: DaemonClient): Promise<boolean> {
  const info = await node.getBlockchainInfo();
  const mweb = info.softforks?.mweb;
  return mweb?.active === true && mweb.height !== undefined && info.blocks >= mweb.height;
}

/**
 * Brings a new chain to MWEB activation, idempotently (a start that was interrupted half-way resumes). Litecoin
 * Core cannot build the first MWEB block from an empty mempool — its template fails with `bad-txns-vin-empty` —
 * so a peg-in (a send to an `mweb` address) goes into the mempool before block 432 is mined. Coinbases go to
 * `coinbaseAddress` (a wallet address on this node, so the wallet holds mature coins afterwards); the `fund` sends
 * are paid from them and confirmed in the activation block. Returns the number of blocks mined.
 */
export async function activateMweb(
  node: DaemonClient,
  wallet: DaemonClient,
  coinbaseAddress: string,
  log: Pick<Logger, 'info'>,
  fund: readonly { address: string; amount: bigint }[] = [],
): Promise<number> {
  if (await mwebReady(node)) return 0;
  const start = await node.getBlockCount();
  log.info({ height: start }, 'first start: mining the regtest chain to MWEB activation');
  if (start < MWEB_ACTIVE_HEIGHT - 1) await wallet.generateToAddress(MWEB_ACTIVE_HEIGHT - 1 - start, coinbaseAddress);
  const info = await node.getBlockchainInfo();
  const mweb = info.softforks?.mweb;
  if (!mweb?.active || mweb.height !== info.blocks + 1) {
    throw new DaemonError(
      `MWEB is not about to activate at height ${info.blocks + 1} (deployment: ${JSON.stringify(mweb)}); ` +
        'is this litecoind older than 0.21?',
    );
  }
  await wallet.sendToAddress(await wallet.getNewAddress('peg-in', 'mweb'), 1n * COIN);
  for (const f of fund) await wallet.sendToAddress(f.address, f.amount);
  await wallet.generateToAddress(1, coinbaseAddress);
  return (await node.getBlockCount()) - start;
}

/** getblocktemplate with the MWEB rules, checking it carries the extension block: the pool cannot mine otherwise. */
export async function checkTemplate(node: DaemonClient): Promise<RawBlockTemplate> {
  const template = await node.getBlockTemplate(GBT_RULES);
  if (typeof template.mweb !== 'string' || template.transactions.length === 0) {
    throw new DaemonError(`getblocktemplate at height ${template.height} has no MWEB extension block`);
  }
  return template;
}

/** Waits until the node has at least one peer (getblocktemplate refuses to work without one). */
export async function waitForPeer(node: DaemonClient, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await node.call<number>('getconnectioncount')) === 0) {
    if (Date.now() > deadline) throw new DaemonError(`${node.name} has no peer after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Waits until every node has the same tip. */
export async function waitForSync(nodes: readonly DaemonClient[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tips = await Promise.all(nodes.map((n) => n.getBestBlockHash()));
    if (tips.every((t) => t === tips[0])) return tips[0]!;
    if (Date.now() > deadline) throw new DaemonError(`devnet nodes did not sync within ${timeoutMs} ms: tips ${tips}`);
    await sleep(50);
  }
}
