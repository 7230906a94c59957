import { describe, expect, it } from 'vitest';
import { JOBS_KEPT } from '../../../fargate/src/jobs/job-store.js';
import { Session } from '../../../fargate/src/stratum/session.js';

const session = (difficulty: number) =>
  new Session(1, { address: '198.51.100.7', port: 4000 }, difficulty, undefined as never);

describe('Session.noteJobSent', () => {
  it('remembers the difficulty of the jobs a miner can still submit to, as many as the job store keeps', () => {
    const s = session(8);
    for (let i = 0; i < 40; i++) {
      s.difficulty = 8 + i;
      s.noteJobSent(`job-${i}`);
    }
    // The last JOBS_KEPT jobs, each at the difficulty it went out at; the older ones are gone.
    expect(s.jobDifficulty.size).toBe(JOBS_KEPT);
    for (let i = 40 - JOBS_KEPT; i < 40; i++) expect(s.jobDifficulty.get(`job-${i}`)).toBe(8 + i);
    expect(s.jobDifficulty.get(`job-${39 - JOBS_KEPT}`)).toBeUndefined();
  });

  it('a job sent again keeps the lowest difficulty it was sent at, and is not counted twice', () => {
    const s = session(64);
    s.noteJobSent('a');
    s.difficulty = 16;
    s.noteJobSent('a');
    s.difficulty = 32;
    s.noteJobSent('a');
    expect(s.jobDifficulty.get('a')).toBe(16);
    expect(s.jobDifficulty.size).toBe(1);
    for (let i = 0; i < JOBS_KEPT - 1; i++) s.noteJobSent(`b${i}`);
    expect(s.jobDifficulty.get('a')).toBe(16); // still among the last JOBS_KEPT
    s.noteJobSent('c');
    expect(s.jobDifficulty.get('a')).toBeUndefined(); // the oldest went
  });
});
