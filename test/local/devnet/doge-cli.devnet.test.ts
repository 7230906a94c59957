import { describe, expect, it } from 'vitest';
import { dogeAddress } from '../../helpers/aux-money.js';
import { withDogeStandin } from '../../helpers/doge-standin.js';
import { poolCli } from '../../helpers/pool-cli.js';

/** `pool devnet mine --coin DOGE` from another process: it finds the running stand-in through devnet-doge.json. */
describe('pool devnet mine --coin DOGE', () => {
  const doge = withDogeStandin();

  it('mines on the running stand-in DOGE node, to the devnet miner or to an address', async () => {
    const before = doge.get().node.chain.height;
    const run = await poolCli(['devnet', 'mine', '3', '--coin', 'DOGE', '--data-dir', doge.dataDir()]);
    expect(run.code).toBe(0);
    expect(doge.get().node.chain.height).toBe(before + 3);
    const tip = await doge.get().client.call<string>('getbestblockhash', []);
    expect(run.stdout).toContain(`mined 3 block(s); tip ${tip}`);

    const to = dogeAddress(0x31);
    expect((await poolCli(['devnet', 'mine', '1', to, '--coin', 'DOGE', '--data-dir', doge.dataDir()])).code).toBe(0);
    const block = await doge
      .get()
      .client.call<{ tx: string[] }>('getblock', [await doge.get().client.call<string>('getbestblockhash', []), true]);
    const coinbase = await doge
      .get()
      .client.call<{ vout: { scriptPubKey: { addresses?: string[] } }[] }>('getrawtransaction', [block.tx[0], 1]);
    expect(coinbase.vout.some((o) => o.scriptPubKey.addresses?.includes(to))).toBe(true);
  });
});
