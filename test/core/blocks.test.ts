import { describe, expect, it } from 'vitest';
import { assessBlock, isSettled } from '../../core/blocks/confirmation.js';

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

  it('never changes a final block: confirmed, or orphaned with the chain a coinbase maturity past it', () => {
    expect(assessBlock({ height: 900, status: 'confirmed' }, at(-1), 100).next).toBe('confirmed');
    expect(assessBlock({ height: 900, status: 'orphaned' }, at(500), 100).next).toBe('orphaned');
    expect(isSettled({ height: 901, status: 'orphaned' }, 1000, 100)).toBe(true);
    expect(isSettled({ height: 902, status: 'orphaned' }, 1000, 100)).toBe(false);
    expect(isSettled({ height: 999, status: 'immature' }, 5000, 100)).toBe(false);
  });

  it('follows an orphan until then: back in the chain it is immature again, still out or unknown it stays orphaned', () => {
    expect(assessBlock({ height: 950, status: 'orphaned' }, at(3), 100).next).toBe('immature');
    expect(assessBlock({ height: 950, status: 'orphaned' }, at(-1), 100).next).toBe('orphaned');
    expect(assessBlock({ height: 950, status: 'orphaned' }, at(0, false), 100).next).toBe('orphaned');
  });
});
