import { expect } from 'vitest';
import { parseConfig } from '../../core/config/load.js';
import { ConfigError } from '../../core/errors.js';

/** The issues a refused config is refused with, as parseConfig words them; a config that parses fails the test. */
export function configIssues(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}
