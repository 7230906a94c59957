import { DaemonError } from '../../../core/errors.js';
import type { DaemonCluster, TemplateDaemon } from '../../../core/ports/daemons.js';
import type { Logger } from '../../../core/ports/logger.js';

/**
 * Keeps templates coming from the primary daemon, by every means available, because a miner working on a stale
 * previous block wastes its hashrate:
 *   - GBT long polling (BIP22 `longpollid`): the daemon answers as soon as the template changes; restarted after
 *     every answer, with exponential backoff after errors;
 *   - polling the chain tip every `pollIntervalMs`, catching new blocks when long polling is down;
 *   - a refresh every `refreshMs` so jobs pick up new transactions (fees);
 *   - `refresh()` on demand (the blocknotify hook, or after the pool found a block).
 * Every template goes to `onTemplate`; deciding whether it is new is the caller's job.
 */
export interface TemplateFeedOptions {
  daemons: DaemonCluster;
  rules: readonly string[];
  /** `fromTip` is true when the tip poll saw the chain move to a block the current template does not build on. */
  onTemplate: (raw: unknown, fromTip: boolean) => void;
  /** The previous block hash of the newest template applied (display order), to compare the tip with. */
  currentPrevHash: () => string | undefined;
  /** The newest template's longpollid. */
  currentLongPollId: () => string | undefined;
  logger: Logger;
  pollIntervalMs: number;
  refreshMs: number;
  longPoll: boolean;
  /** Backoff after a failed long poll: doubles from min to max. */
  longPollBackoffMs?: { min: number; max: number };
}

export class TemplateFeed {
  private running = false;
  /** Bumped by stop(): a long poll that answers after it belongs to a finished run and must not loop on. */
  private generation = 0;
  private forced = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private inflight: Promise<void> | undefined;
  private again = false;
  private polling = false;
  /** Cancels the pending long poll at stop(), so a stopped pool holds no connection (and its process can exit). */
  private longPollAbort = new AbortController();

  constructor(private readonly o: TemplateFeedOptions) {}

  /**
   * Starts the background loops and fetches the first template; rejects if that first fetch fails, but the loops
   * keep trying (the tip poll refreshes while no template is known), so a daemon that is still starting is waited for.
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.timers.push(setInterval(() => void this.pollTip(), this.o.pollIntervalMs));
    this.timers.push(
      setInterval(() => {
        this.refresh().catch((err) => this.o.logger.warn({ err }, 'periodic template refresh failed'));
      }, this.o.refreshMs),
    );
    for (const t of this.timers) t.unref();
    try {
      await this.refresh();
    } finally {
      // Long polling needs the longpollid of a first template; without one it backs off until the tip poll got it.
      if (this.o.longPoll && this.running) void this.longPollLoop();
    }
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.longPollAbort.abort();
    this.longPollAbort = new AbortController();
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  /**
   * Fetches a template now. Calls that arrive while one is in flight are coalesced into one more fetch after it,
   * so a burst of notifications costs at most two getblocktemplate calls and the last one sees the newest state.
   */
  refresh(fromTip = false): Promise<void> {
    this.forced ||= fromTip;
    if (this.inflight) {
      this.again = true;
      return this.inflight;
    }
    const run = async () => {
      let lastError: unknown;
      do {
        this.again = false;
        const fromTip = this.forced;
        this.forced = false;
        try {
          const daemon = await this.primary();
          this.o.onTemplate(await daemon.getBlockTemplate(this.o.rules), fromTip);
          lastError = undefined;
        } catch (err) {
          lastError = err;
        }
      } while (this.again);
      // In the same turn as the last look at `again`: a call after it starts a fetch of its own. (Cleared a
      // microtask later, by a `finally` on the promise, a call in between joined a run that had already fetched.)
      this.inflight = undefined;
      if (lastError !== undefined) throw lastError;
    };
    this.inflight = run();
    return this.inflight;
  }

  private async pollTip(): Promise<void> {
    if (this.polling || !this.running) return;
    this.polling = true;
    try {
      const daemon = await this.primary();
      const { bestblockhash } = await daemon.getBlockchainInfo();
      if (bestblockhash !== this.o.currentPrevHash()) {
        this.o.logger.info({ bestblockhash }, 'new chain tip seen by polling');
        await this.refresh(true);
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'chain tip poll failed');
    } finally {
      this.polling = false;
    }
  }

  private async longPollLoop(): Promise<void> {
    const { min, max } = this.o.longPollBackoffMs ?? { min: 500, max: 30_000 };
    let backoff = min;
    const generation = this.generation;
    const { signal } = this.longPollAbort;
    const live = () => this.running && this.generation === generation;
    while (live()) {
      const longpollid = this.o.currentLongPollId();
      try {
        if (longpollid === undefined) throw new DaemonError('no longpollid in the current template');
        const daemon = await this.primary();
        const raw = await daemon.getBlockTemplate(this.o.rules, longpollid, { signal });
        if (!live()) return;
        this.o.onTemplate(raw, false);
        backoff = min;
        // A daemon that ignores longpollid answers at once with the same id: don't spin on it.
        if ((raw as { longpollid?: unknown } | null)?.longpollid === longpollid) await sleep(min);
      } catch (err) {
        if (!live()) return;
        this.o.logger.warn({ err, retryInMs: backoff }, 'template long poll failed');
        await sleep(backoff);
        backoff = Math.min(max, backoff * 2);
      }
    }
  }

  private async primary(): Promise<TemplateDaemon> {
    const daemon = await this.o.daemons.primary();
    if (!daemon) throw new DaemonError('no healthy daemon');
    return daemon;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
