import { describe, expect, it } from 'vitest';
import { combineSubmitAnswers, describeSubmitAnswer } from '../../../fargate/src/jobs/submit-result.js';

describe('submitblock answers', () => {
  it('reads null as accepted and known words as themselves', () => {
    expect(describeSubmitAnswer(null)).toEqual({ outcome: 'accepted', text: 'accepted' });
    expect(describeSubmitAnswer('duplicate').outcome).toBe('duplicate');
    expect(describeSubmitAnswer('inconclusive').outcome).toBe('inconclusive');
    expect(describeSubmitAnswer('high-hash')).toEqual({ outcome: 'rejected', text: 'high-hash' });
  });

  it('reads errors and settled-promise records', () => {
    expect(describeSubmitAnswer(new Error('ECONNREFUSED'))).toEqual({ outcome: 'error', text: 'error: ECONNREFUSED' });
    expect(describeSubmitAnswer({ status: 'fulfilled', value: null }).outcome).toBe('accepted');
    expect(describeSubmitAnswer({ status: 'rejected', reason: new Error('timeout') }).text).toBe('error: timeout');
    expect(describeSubmitAnswer({ result: 'bad-cb-amount', error: null }).text).toBe('bad-cb-amount');
    expect(describeSubmitAnswer({ error: { code: -22, message: 'Block decode failed' } }).text).toMatch(/decode/);
  });

  it('accepted by any daemon wins, then duplicate, inconclusive, rejection, error', () => {
    expect(combineSubmitAnswers([new Error('down'), 'high-hash', null]).text).toBe('accepted');
    expect(combineSubmitAnswers(['inconclusive', 'duplicate']).text).toBe('duplicate');
    expect(combineSubmitAnswers([new Error('down'), 'inconclusive']).text).toBe('inconclusive');
    expect(combineSubmitAnswers([new Error('down'), 'bad-txnmrklroot']).text).toBe('bad-txnmrklroot');
    expect(combineSubmitAnswers([]).text).toMatch(/no daemon/);
  });
});
