import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trimmed } from '../../../fargate/src/stratum/protocol.js';

describe("trimmed (the framer's blank lines, the submit handler's username)", () => {
  it('gives what String#trim gives, for any string (Unicode whitespace at either end included)', () => {
    const edge = fc.constantFrom('', ' ', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000', 'a', '~', '\u007f', 'é');
    fc.assert(
      fc.property(edge, fc.string(), edge, (a, middle, b) => {
        const name = a + middle + b;
        expect(trimmed(name)).toBe(name.trim());
      }),
      { numRuns: 2000 },
    );
    for (const name of ['', ' ', 'rig1', ' rig1', 'rig1 ', 'bc1q.rig1', '\u00a0x', 'x\u00a0']) {
      expect(trimmed(name)).toBe(name.trim());
    }
  });
});
