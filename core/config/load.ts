import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { registerAuxChains } from './aux-chains.js';
import { type PoolConfig, poolConfigSchema } from './schema.js';

/** Formats a zod issue path the way a person reads a JSON file: coins[0].ports[1].port */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(root)';
}

/** One zod issue as a person reads it: `<path>: <what is wrong>` (config files and environments alike). */
export function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `${formatPath(issue.path)}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  return `${formatPath(issue.path)}: ${issue.message}`;
}

/** Validates a parsed config object; returns it frozen with defaults applied, or throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, source = 'config'): Readonly<PoolConfig> {
  // The config's own aux chains join the coin registry first: the coins that name them are validated against it.
  const undo = registerConfigAuxChains(raw, source);
  const result = poolConfigSchema.safeParse(raw);
  if (!result.success) {
    undo(); // an invalid config leaves the registry as it was
    throw invalid(source, result.error.issues.map(describeIssue));
  }
  return deepFreeze(result.data);
}

/**
 * Registers the aux chains a config defines (`{ auxChains, coins }`: core/config/aux-chains.ts registerAuxChains) in
 * the coin registry, or throws a ConfigError listing every problem; returns the undo. parseConfig calls it; so does
 * a runtime that reads no pool config but names its coins (the AWS stats Lambda, from its environment).
 */
export function registerConfigAuxChains(raw: unknown, source: string): () => void {
  const aux = registerAuxChains(raw);
  if ('issues' in aux) throw invalid(source, aux.issues.map(describeIssue));
  return aux.undo;
}

function invalid(source: string, issues: string[]): ConfigError {
  return new ConfigError(`${source} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
}

/** Parses JSON text then validates it; JSON syntax errors are reported as ConfigError too. */
export function parseConfigText(text: string, source = 'config'): Readonly<PoolConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${source} is not valid JSON: ${(err as Error).message}`, [(err as Error).message]);
  }
  return parseConfig(raw, source);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
