import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeIssue } from './load.js';

/** A process environment, as `process.env` is: every variable a string or unset. */
export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The one way a runtime reads its environment (a Lambda, the stratum container): through its zod schema, once at
 * start. A variable that is missing or malformed is a ConfigError naming each variable and what is wrong with it.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Environment, what: string): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues = result.error.issues.map(describeIssue);
  throw new ConfigError(`${what} environment is invalid:\n  - ${issues.join('\n  - ')}`, issues);
}

/**
 * A variable that holds JSON, read through its schema. Kept apart from the environment's own schema when the
 * variable holds deploy-time tokens (CloudFormation references) that are only JSON once deployed.
 */
export function parseJsonVar<S extends z.ZodType>(schema: S, name: string, text: string): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${name} is not JSON: ${(err as Error).message}`, [`${name}: is not JSON`]);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) =>
    i.path.length > 0 ? `${name}.${describeIssue(i)}` : `${name}: ${i.message}`,
  );
  throw new ConfigError(`${name} is invalid:\n  - ${issues.join('\n  - ')}`, issues);
}

/** A variable holding JSON, checked by `schema` inside the environment's schema (and so at synth by PoolFunction). */
export function jsonVar<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}
