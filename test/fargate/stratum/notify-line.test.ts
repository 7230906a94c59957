import { describe, expect, it } from 'vitest';
import { notifyLine } from '../../../fargate/src/stratum/notify-line.js';
import { encodeNotification } from '../../../fargate/src/stratum/protocol.js';
import { job } from './fakes.js';

describe('notifyLine', () => {
  it('encodes mining.notify with the job fields and the clean flag asked for', () => {
    const j = job('7', false);
    const params = [j.jobId, j.prevHash, j.coinb1, j.coinb2, j.merkleBranch, j.version, j.nbits, j.ntime];
    expect(notifyLine(j, false).toString()).toBe(encodeNotification('mining.notify', [...params, false]));
    expect(notifyLine(j, true).toString()).toBe(encodeNotification('mining.notify', [...params, true]));
  });

  it('encodes a job once per clean flag: every connection gets the same Buffer', () => {
    const j = job('8');
    expect(notifyLine(j, true)).toBe(notifyLine(j, true));
    expect(notifyLine(j, false)).toBe(notifyLine(j, false));
    expect(notifyLine(j, false)).not.toBe(notifyLine(j, true));
    expect(notifyLine(job('8'), true)).not.toBe(notifyLine(j, true)); // another job object, even with the same id
  });
});
