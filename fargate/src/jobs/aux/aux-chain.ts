import type { Logger } from '../../../../core/ports/logger.js';
import { safeJson } from '../submit-result.js';
import { type AuxBlock, parseAuxBlock } from './aux-block.js';

/**
 * One aux node's JSON-RPC, as the adapters' DaemonClient speaks it (the same JSON-RPC 1.0, errors as DaemonError
 * naming the method and the node, never the password).
 */
export interface AuxDaemon {
  readonly name: string;
  call<T>(method: string, params?: unknown[], opts?: { timeoutMs?: number }): Promise<T>;
}

/** The aux work a parent job commits to, with the node that made it. */
export interface AuxWork extends AuxBlock {
  /** The aux coin's symbol. */
  coin: string;
  /**
   * The node that answered createauxblock: submitauxblock goes to it and only to it, because the node looks the block
   * up by hash in its own template cache (another node of the chain never heard of this hash: "block hash unknown").
   */
  daemon: AuxDaemon;
}

/** What submitauxblock said: `true` accepted, `false` rejected (the reason is only in the node's log), or an error. */
export interface AuxSubmitVerdict {
  outcome: 'accepted' | 'rejected' | 'error';
  /** "accepted", "rejected", or "error: <message>": the AuxFoundBlock's submitResult. */
  text: string;
}

export interface AuxChainOptions {
  /** The aux coin's symbol (DOGE). */
  coin: string;
  /** The registry's chain id (`auxpow.chainId`): an answer with another one is refused. */
  chainId: number;
  /** The aux coin's poolAddress: createauxblock pays the aux block's whole reward to it. */
  address: string;
  /** The aux coin's nodes in config order: the first that answers gives the work (failover). */
  daemons: readonly AuxDaemon[];
  /** The parent's stratum difficulty multiplier (scrypt 65536), for the aux network difficulty. */
  diffMultiplier: number;
  /** How often createauxblock is asked (the aux coin's `jobs.pollIntervalMs`): it answers a new hash on a new tip. */
  pollIntervalMs: number;
  logger: Logger;
  /** Per-call timeout of createauxblock; a node slower than this is passed over for the next one. Default 5 s. */
  callTimeoutMs?: number;
}

/** How many accepted aux hashes are remembered so that later shares of the same work do not submit them again. */
const ACCEPTED_KEPT = 64;

/**
 * An aux chain's work for the parent's job manager: `createauxblock <address>` on the aux coin's nodes every poll
 * interval and at once on `refresh()`. `current()` is the newest valid work, or undefined while no node gives any
 * (down, answering garbage or another chain's work): the parent's jobs then leave this chain out of the aux tree and
 * keep mining everything else. The outage is logged once, and its end once.
 */
export class AuxChain {
  private work: AuxWork | undefined;
  private readonly listeners = new Set<(work: AuxWork | undefined) => void>();
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private again = false;
  private running = false;
  /** Why the chain is out, while it is (so that an outage is logged once, not once per poll). */
  private outage: string | undefined;
  private readonly accepted = new Set<string>();
  /** What each node did when last asked createauxblock (nodes after the one that answered are not asked). */
  private readonly answers = new Map<AuxDaemon, { healthy: boolean; lastError?: string }>();

  constructor(private readonly o: AuxChainOptions) {
    if (o.daemons.length === 0) throw new RangeError(`${o.coin}: an aux chain needs at least one node`);
  }

  /**
   * Each node in failover order, named with the coin (`DOGE http://…`), healthy when it last gave valid work. A node
   * after the one that answers is not asked, so it keeps what it last did (healthy until it is first asked, as a
   * daemon pool's node is before its first check); while the chain is out every node was asked and failed.
   */
  status(): Array<{ daemon: string; healthy: boolean; lastError?: string }> {
    return this.o.daemons.map((daemon) => {
      const { healthy = true, lastError } = this.answers.get(daemon) ?? {};
      return { daemon: `${this.o.coin} ${daemon.name}`, healthy, ...(lastError !== undefined && { lastError }) };
    });
  }

  get coin(): string {
    return this.o.coin;
  }

  /** The newest aux work, or undefined while the chain is out. */
  current(): AuxWork | undefined {
    return this.work;
  }

  /** Called when the work changes (a new aux hash, or the chain going out or coming back). */
  onChange(listener: (work: AuxWork | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Polls now and then every interval. Never rejects: a chain whose nodes are down starts out and comes in later. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => void this.refresh(), this.o.pollIntervalMs);
    this.timer.unref();
    await this.refresh();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Asks for work now; calls during a poll are coalesced into one more poll after it. Never rejects. */
  refresh(): Promise<void> {
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    this.inflight = (async () => {
      try {
        do {
          this.again = false;
          await this.poll();
        } while (this.again && this.running);
      } finally {
        this.inflight = undefined;
      }
    })();
    return this.inflight;
  }

  /** Whether this aux block was already accepted (a later share of the same work need not submit it again). */
  wasAccepted(hash: string): boolean {
    return this.accepted.has(hash);
  }

  /**
   * `submitauxblock <hash> <auxpow>` to the node that made the work. Never throws. An accepted block makes the chain
   * move on: its work is refreshed at once.
   */
  async submit(work: AuxWork, auxpowHex: string): Promise<AuxSubmitVerdict> {
    let verdict: AuxSubmitVerdict;
    try {
      const answer = await work.daemon.call<unknown>('submitauxblock', [work.hash, auxpowHex], { timeoutMs: 30_000 });
      if (answer === true) verdict = { outcome: 'accepted', text: 'accepted' };
      else if (answer === false) verdict = { outcome: 'rejected', text: 'rejected' };
      else verdict = { outcome: 'error', text: `error: unexpected submitauxblock answer ${safeJson(answer)}` };
    } catch (err) {
      verdict = { outcome: 'error', text: `error: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (verdict.outcome === 'accepted') {
      this.accepted.add(work.hash);
      if (this.accepted.size > ACCEPTED_KEPT) this.accepted.delete(this.accepted.values().next().value!);
      void this.refresh();
    }
    return verdict;
  }

  private async poll(): Promise<void> {
    const failures: string[] = [];
    for (const daemon of this.o.daemons) {
      try {
        const raw = await daemon.call<unknown>('createauxblock', [this.o.address], {
          timeoutMs: this.o.callTimeoutMs ?? 5_000,
        });
        const block = parseAuxBlock(raw, this.o.chainId, this.o.diffMultiplier);
        this.answers.set(daemon, { healthy: true });
        this.comeBack(daemon);
        this.set({ ...block, coin: this.o.coin, daemon });
        return;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.answers.set(daemon, { healthy: false, lastError: message });
        failures.push(`${daemon.name}: ${message}`);
      }
    }
    this.goOut(failures.join('; '));
  }

  private set(work: AuxWork | undefined): void {
    const before = this.work;
    if (before?.hash === work?.hash && before?.daemon === work?.daemon) return;
    this.work = work;
    if (work) {
      this.o.logger.debug({ coin: this.o.coin, height: work.height, hash: work.hash }, 'new aux work');
    }
    for (const listener of this.listeners) {
      try {
        listener(work);
      } catch (err) {
        this.o.logger.error({ err, coin: this.o.coin }, 'aux work listener threw');
      }
    }
  }

  private goOut(why: string): void {
    if (this.outage === undefined) {
      this.o.logger.error(
        { coin: this.o.coin, err: why },
        'aux chain out: no node gives valid createauxblock work; parent jobs leave it out until one does',
      );
    }
    this.outage = why;
    this.set(undefined);
  }

  private comeBack(daemon: AuxDaemon): void {
    if (this.outage === undefined) return;
    this.outage = undefined;
    this.o.logger.info({ coin: this.o.coin, daemon: daemon.name }, 'aux chain back: parent jobs commit to it again');
  }
}
