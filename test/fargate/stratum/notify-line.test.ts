import { describe, expect, it } from 'vitest';
import { notifyLine, stratumWork } from '../../../fargate/src/stratum/notify-line.js';
import { encodeNotification } from '../../../fargate/src/stratum/protocol.js';
import { Session } from '../../../fargate/src/stratum/session.js';
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

describe('stratumWork', () => {
  const session = (difficulty: number, announced?: number) => {
    const s = new Session(1, { address: '198.51.100.1', port: 1 }, difficulty, undefined as never);
    s.announcedDifficulty = announced;
    return s;
  };

  it('is the notify line alone while the difficulty is the announced one', () => {
    const notify = notifyLine(job('9'), true);
    const s = session(8, 8);
    expect(stratumWork(s, '9', 8, notify).lines).toEqual([notify]);
    expect(stratumWork(s, '9', 8, notify).lines[0]).toBe(notify);
  });

  it('is set_difficulty then notify in one Buffer, shared by sessions at one difficulty, once announced', () => {
    const notify = notifyLine(job('10'), true);
    const a = session(16, 8);
    const b = session(16);
    const [la] = stratumWork(a, '10', 16, notify).lines;
    const [lb] = stratumWork(b, '10', 16, notify).lines;
    expect(la).toBe(lb);
    expect(String(la)).toBe(`${encodeNotification('mining.set_difficulty', [16])}${notify}`);
    expect(a.announcedDifficulty).toBe(16);
    expect(stratumWork(a, '10', 16, notify).lines[0]).toBe(notify); // announced: the notify alone next time
  });

  it('keeps its content right past the number of difficulties it caches per job', () => {
    const notify = notifyLine(job('11'), false);
    for (let d = 1; d <= 100; d++) {
      const [line] = stratumWork(session(d), '11', d, notify).lines;
      expect(String(line)).toBe(`${encodeNotification('mining.set_difficulty', [d])}${notify}`);
    }
  });
});
