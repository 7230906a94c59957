import { describe, expect, it } from 'vitest';
import { familyOf, getCoin } from '../../../core/coins/index.js';
import { ConfigError } from '../../../core/errors.js';

describe('coin registry', () => {
  it('finds a coin by symbol in any case', () => {
    expect(getCoin('ltc').symbol).toBe('LTC');
    expect(familyOf({ symbol: 'BTC' })).toBe('bitcoin');
  });

  it('refuses an unknown coin with a ConfigError naming the supported ones (the CLI prints it without a stack)', () => {
    const err = (() => {
      try {
        getCoin('XYZ');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/unknown coin "XYZ"; supported: .*LTC/);
  });
});
