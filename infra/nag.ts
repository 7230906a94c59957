import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Records an accepted cdk-nag (AwsSolutions) finding on the construct it is about, with the reason. Findings are
 * acknowledged one by one where the resource is made — never for a whole stack — so a new resource with the same
 * problem is still reported.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });
}
