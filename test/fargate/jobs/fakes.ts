import { readFileSync } from 'node:fs';
import { payments } from 'bitcoinjs-lib';
import { getCoin } from '../../../core/coins/index.js';
import type { DaemonCluster, TemplateDaemon } from '../../../core/ports/daemons.js';
import type { Logger } from '../../../core/ports/logger.js';

export const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/gbt/ltc-regtest-mweb.json', import.meta.url), 'utf8'),
) as Record<string, unknown> & {
  previousblockhash: string;
  height: number;
  curtime: number;
  mintime: number;
  version: number;
  bits: string;
  coinbasevalue: number;
  mweb: string;
  longpollid: string;
};

export const ltc = getCoin('LTC');
export const poolAddress = payments.p2wpkh({ hash: Buffer.alloc(20, 9), network: ltc.networks.regtest![0] }).address!;

/** A template on top of a different previous block (as after a new block). */
export function nextBlockTemplate(base = fixture, n = 1): typeof fixture {
  const prev = Buffer.alloc(32, n).toString('hex');
  return { ...base, previousblockhash: prev, height: base.height + n, longpollid: `${prev}${n}` };
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * A scripted daemon cluster: `templates` is served in order (the last one repeats), `submitAnswers` is what
 * submitBlockEverywhere resolves to (or a thrown error), and every call is recorded.
 */
export class FakeDaemons implements DaemonCluster, TemplateDaemon {
  templates: unknown[] = [fixture];
  gbtCalls: { rules: readonly string[]; longpollid?: string }[] = [];
  submitted: string[] = [];
  submitAnswers: readonly unknown[] | Error = [null];
  bestblockhash = fixture.previousblockhash;
  /** When set, long-poll calls wait for this promise (the test releases them). */
  longPollGate: Promise<void> | undefined;
  healthy = true;

  primary(): TemplateDaemon | undefined {
    return this.healthy ? this : undefined;
  }

  /** The cancel signal of each long-poll call. */
  longPollSignals: AbortSignal[] = [];

  async getBlockTemplate(
    rules: readonly string[],
    longpollid?: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<unknown> {
    this.gbtCalls.push(longpollid === undefined ? { rules } : { rules, longpollid });
    if (longpollid !== undefined && opts.signal) this.longPollSignals.push(opts.signal);
    if (longpollid !== undefined && this.longPollGate) await this.longPollGate;
    const next = this.templates.length > 1 ? this.templates.shift() : this.templates[0];
    if (next instanceof Error) throw next;
    return structuredClone(next);
  }

  async getBlockchainInfo(): Promise<{ bestblockhash: string }> {
    return { bestblockhash: this.bestblockhash };
  }

  async submitBlockEverywhere(block: string | readonly string[]): Promise<readonly unknown[]> {
    this.submitted.push(typeof block === 'string' ? block : block.join(''));
    if (this.submitAnswers instanceof Error) throw this.submitAnswers;
    return this.submitAnswers;
  }
}
