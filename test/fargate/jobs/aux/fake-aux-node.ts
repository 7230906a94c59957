import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAuxBlockProofOfWork, decodeAuxPow } from '../../../../core/auxpow/index.js';
import { sha256d } from '../../../../core/chain/hash.js';
import { serializeHeader } from '../../../../core/chain/header.js';
import { bitsToTarget } from '../../../../core/chain/target.js';
import { scrypt } from '../../../../fargate/src/hashing/index.js';

/**
 * A FAKE aux node for unit tests (not the stand-in DOGE node of local/devnet): JSON-RPC over HTTP answering
 * `createauxblock <address>` with a real Dogecoin-format aux header's hash (version chainId<<16 | 0x100 | 4, its own
 * tip and bits) and `submitauxblock <hash> <auxpow>` by looking the header up in its template cache and applying
 * core/auxpow's port of Dogecoin's CheckAuxPowProofOfWork (scrypt parent PoW against the aux bits). An accepted block
 * moves its tip, so the next createauxblock gives a new hash. Modes make it misbehave.
 */
export class FakeAuxNode {
  /** What createauxblock answers: work, garbage, nothing (HTTP 500), or another chain's id. */
  mode: 'ok' | 'garbage' | 'down' | 'wrong-chain' | 'bad-target' = 'ok';
  /** submitauxblock answers `false` to everything (as a node whose chain moved on does). */
  refuseAll = false;
  height = 1;
  tip: Buffer = Buffer.alloc(32, 0x11);
  /** Every createauxblock address asked for. */
  readonly created: string[] = [];
  /** Every submitauxblock: the hash, the proof, and our answer. */
  readonly submitted: Array<{ hash: string; auxpow: string; answer: boolean; reason?: string }> = [];
  /** Accepted blocks, in order. */
  readonly blocks: string[] = [];
  private readonly cache = new Map<string, Buffer>();
  private server: Server | undefined;
  private port = 0;

  constructor(
    readonly chainId: number,
    public bits: number,
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        const answer = (status: number, result: unknown, error: unknown = null) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id, result, error }));
        };
        if (this.mode === 'down') return answer(500, null, { code: -1, message: 'node is down (fake)' });
        try {
          if (method === 'createauxblock') return answer(200, this.createAuxBlock(String(params[0])));
          if (method === 'submitauxblock')
            return answer(200, this.submitAuxBlock(String(params[0]), String(params[1])));
          return answer(404, null, { code: -32601, message: 'Method not found' });
        } catch (err) {
          return answer(500, null, { code: -8, message: (err as Error).message });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get endpoint(): { url: string; user: string; password: string } {
    return { url: `http://127.0.0.1:${this.port}`, user: 'u', password: 'p' };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** A new tip (as another miner's block would make): the next createauxblock gives a new hash. */
  advance(): void {
    this.tip = sha256d(Buffer.concat([this.tip, Buffer.from('next')]));
    this.height++;
  }

  /** The aux header the node would build now for `address` (its hash changes with the tip only). */
  private header(address: string): Buffer {
    return serializeHeader({
      version: ((this.chainId << 16) | 0x100 | 4) >>> 0,
      prevHash: this.tip,
      merkleRoot: sha256d(Buffer.from(`${address}@${this.height}`)),
      ntime: 1_700_000_000 + this.height,
      bits: this.bits,
      nonce: 0,
    });
  }

  private createAuxBlock(address: string): unknown {
    this.created.push(address);
    if (this.mode === 'garbage') return { hash: 'zz', chainid: 'doge' };
    const header = this.header(address);
    const hash = Buffer.from(sha256d(header)).reverse().toString('hex');
    this.cache.set(hash, header);
    const target = Buffer.from(bitsToTarget(this.bits).toString(16).padStart(64, '0'), 'hex').reverse();
    if (this.mode === 'bad-target') target[31] = target[31]! ^ 0x01; // big-endian read by mistake would look like this
    return {
      hash,
      chainid: this.mode === 'wrong-chain' ? this.chainId + 1 : this.chainId,
      previousblockhash: Buffer.from(this.tip).reverse().toString('hex'),
      coinbasevalue: 1_000_000_000_000,
      bits: this.bits.toString(16).padStart(8, '0'),
      height: this.height,
      target: target.toString('hex'),
    };
  }

  private submitAuxBlock(hash: string, auxpowHex: string): boolean {
    const header = this.cache.get(hash);
    if (!header) throw new Error('block hash unknown');
    const verdict = checkAuxBlockProofOfWork(header, decodeAuxPow(auxpowHex), this.chainId, scrypt);
    const answer = verdict.ok && !this.refuseAll;
    this.submitted.push({ hash, auxpow: auxpowHex, answer, ...(!verdict.ok && { reason: verdict.reason }) });
    if (answer) {
      this.blocks.push(hash);
      this.cache.clear();
      this.advance();
    }
    return answer;
  }
}
