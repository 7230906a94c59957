import { describe, expect, it } from 'vitest';
import { PoolError, StratumCode, StratumError } from '../../core/errors.js';

describe('StratumError.quiet', () => {
  it('is a StratumError with its code and message but no stack frames, and leaves the stack limit alone', () => {
    const before = Error.stackTraceLimit;
    const e = StratumError.quiet(StratumCode.Duplicate, 'duplicate share');
    expect(e).toBeInstanceOf(StratumError);
    expect(e).toBeInstanceOf(PoolError);
    expect(e).toMatchObject({ name: 'StratumError', stratumCode: 22, code: 'STRATUM_22', message: 'duplicate share' });
    expect(e.stack).toBe('StratumError: duplicate share');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new StratumError(StratumCode.Duplicate, 'x').stack).toMatch(/\n\s+at /); // the normal one keeps its stack
  });
});
