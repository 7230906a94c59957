import type { IConstruct } from 'constructs';

/** What a synth check needs of a zod schema: a runtime's own env schema, so synth fails on a missing variable. */
export interface EnvironmentSchema {
  safeParse(value: unknown): {
    success: boolean;
    error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
  };
}

/**
 * Fails synthesis when the environment a construct ends up with does not satisfy the runtime's schema (a Lambda's
 * PoolLambda env, the stratum container's fargate/src/env.ts), so a deploy never ships a function or a task that
 * would refuse its environment when it starts. `environment` is read at validation time: variables added later count.
 */
export function checkEnvironmentAtSynth(
  scope: IConstruct,
  schema: EnvironmentSchema,
  environment: () => Readonly<Record<string, string>>,
): void {
  scope.node.addValidation({
    validate: () => {
      const result = schema.safeParse(environment());
      if (result.success) return [];
      return (result.error?.issues ?? []).map((i) => `env ${i.path.join('.')}: ${i.message}`);
    },
  });
}
