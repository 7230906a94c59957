import { describe, expect, it } from 'vitest';
import { assessBlock } from '../../core/blocks/confirmation.js';

const at = (confirmations: number, known = true, tipHeight = 1000) => ({ confirmations, known, tipHeight });

describe('assessBlock', () => {
  it('moves a block through immature to confirmed at coinbase maturity', () => {
    expect(assessBlock({ height: 900, status: 'pending' }, at(1), 100).next).toBe('immature');
    expect(assessBlock({ height: 900, status: 'immature' }, at(99), 100).next).toBe('immature');
    expect(assessBlock({ height: 900, status: 'immature' }, at(100), 100).next).toBe('confirmed');
  });

  it('orphans a block that left the main chain, at any stage before it was confirmed', () => {
    expect(assessBlock({ height: 900, status: 'pending' }, at(-1), 100).next).toBe('orphaned');
    expect(assessBlock({ height: 900, status: 'immature' }, at(-1), 100).next).toBe('orphaned');
  });

  it('waits for an unknown block a little, then orphans it', () => {
    expect(assessBlock({ height: 1000, status: 'pending' }, at(0, false, 1001), 100).next).toBe('pending');
    expect(assessBlock({ height: 1000, status: 'pending' }, at(0, false, 1002), 100).next).toBe('orphaned');
  });

  it('never changes a final block', () => {
    expect(assessBlock({ height: 900, status: 'confirmed' }, at(-1), 100).next).toBe('confirmed');
    expect(assessBlock({ height: 900, status: 'orphaned' }, at(500), 100).next).toBe('orphaned');
  });
});
