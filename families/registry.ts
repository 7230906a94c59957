import { familyOf } from '../core/coins/index.js';
import type { CoinConfig, PoolConfig } from '../core/config/schema.js';
import { ConfigError } from '../core/errors.js';
import { bitcoinFamily } from './bitcoin/index.js';
import type { ChainFamily } from './chain-family.js';
import { ethereumFamily } from './ethereum/index.js';

/** Chain families by name: where every composition root finds a coin's job source, verifier, sender and rules. */
export class ChainFamilies {
  private readonly byName = new Map<string, ChainFamily>();

  constructor(families: readonly ChainFamily[]) {
    for (const f of families) {
      if (this.byName.has(f.name)) throw new ConfigError(`chain family "${f.name}" is registered twice`);
      this.byName.set(f.name, f);
    }
  }

  /** The family serving a configured coin; a ConfigError when no module registers its family. */
  forCoin(coin: Readonly<Pick<CoinConfig, 'symbol' | 'family'>>): ChainFamily {
    const name = familyOf(coin);
    const family = this.byName.get(name);
    if (!family) throw new ConfigError(`${coin.symbol}: ${this.unknown(name)}`);
    return family;
  }

  /** Every coin of the config has a registered family (a runtime checks this at start, before building anything). */
  check(config: Readonly<Pick<PoolConfig, 'coins'>>): void {
    const issues = config.coins.flatMap((c, i) => {
      const name = familyOf(c);
      return this.byName.has(name) ? [] : [`coins.${i} (${c.symbol}): ${this.unknown(name)}`];
    });
    if (issues.length > 0) throw new ConfigError(`no chain family serves ${issues.join('; ')}`, issues);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  private unknown(name: string): string {
    return `unknown chain family "${name}"; registered: ${this.names().join(', ') || 'none'} (families/registry.ts)`;
  }
}

/** The pool's chain families. A new family module is added here, and nowhere else. */
export const CHAIN_FAMILIES = new ChainFamilies([bitcoinFamily, ethereumFamily]);
