import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1';
import { Psbt, payments, Transaction } from 'bitcoinjs-lib';
import { coinNetworks, getCoin } from '../../core/coins/registry.js';
import {
  BTC_WALLET_PASSPHRASE,
  type BtcDevnet,
  type BtcDevnetOptions,
  startBtcDevnet,
} from '../../local/devnet/btcd.js';
import { withStartedInTempDir } from './devnet.js';

/**
 * One Bitcoin devnet (btcd --simnet + btcwallet, segwit and taproot active, 10 BTC in the pool's "default" account)
 * per test file, in a temp directory removed afterwards. Call at the top of a describe block; the accessors throw
 * if used before beforeAll ran. A first start takes about 3 s.
 */
export function withBtcDevnet(opts: Omit<BtcDevnetOptions, 'dataDir'> = {}): {
  get: () => BtcDevnet;
  dataDir: () => string;
} {
  return withStartedInTempDir('btc-devnet', (dataDir) => startBtcDevnet({ ...opts, dataDir }));
}

/**
 * Puts a transaction with witness data in btcd's mempool: the wallet pays 1 BTC to a P2WPKH key of the test's, a
 * block confirms it, and the key spends it (signed here; the wallet cannot sign for a key it does not hold). A
 * template built after this, on this tip, carries the transaction and a default_witness_commitment. btcd builds a
 * template again for new mempool transactions only after 60 s, so call this before the first getblocktemplate on
 * the tip (a new block starts afresh).
 */
export async function broadcastSegwitSpend(devnet: BtcDevnet): Promise<{ txid: string; wtxid: string }> {
  const network = coinNetworks(getCoin('BTC'), 'simnet')[0];
  const priv = randomBytes(32);
  const pubkey = secp256k1.getPublicKey(priv, true);
  const key = payments.p2wpkh({ pubkey, network });
  await devnet.walletClient.call('walletpassphrase', [BTC_WALLET_PASSPHRASE, 60]);
  // btcwallet takes amounts as JSON numbers only
  const fundingId = await devnet.walletClient.call<string>('sendtoaddress', [key.address, 1]);
  const funding = Transaction.fromHex((await devnet.walletClient.getTransaction(fundingId)).hex);
  const vout = funding.outs.findIndex((o) => Buffer.from(o.script).equals(Buffer.from(key.output!)));
  await devnet.mine(1);

  const psbt = new Psbt({ network });
  psbt.addInput({ hash: fundingId, index: vout, witnessUtxo: { script: key.output!, value: 100_000_000n } });
  psbt.addOutput({ address: devnet.minerAddress, value: 100_000_000n - 10_000n });
  psbt.signInput(0, {
    publicKey: pubkey,
    sign: (hash) => secp256k1.sign(hash, priv, { lowS: true }).toCompactRawBytes(),
  });
  psbt.finalizeAllInputs();
  const tx = psbt.extractTransaction();
  const txid = await devnet.node.call<string>('sendrawtransaction', [tx.toHex()]);
  return { txid, wtxid: Buffer.from(tx.getHash(true)).reverse().toString('hex') };
}
