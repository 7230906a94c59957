import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkShareFields, shareHexFields } from '../../../fargate/src/jobs/share-fields.js';

const sizes = { extranonce1Size: 4, extranonce2Size: 4 };
const NOW = 1_700_000_000_000;
const HEX8 = /^[0-9a-fA-F]{8}$/;
const hex8 = fc.integer({ min: 0, max: 0xffffffff }).map((n) => n.toString(16).padStart(8, '0'));

describe('share fields', () => {
  it('reads ntime, nonce and version bits as parseInt does, and refuses what the submit handler refuses', () => {
    const field = fc.oneof(
      hex8,
      hex8.map((s) => s.toUpperCase()),
      fc.string({ maxLength: 9 }),
    );
    fc.assert(
      fc.property(field, field, fc.option(field, { nil: undefined }), (ntime, nonce, versionBits) => {
        const s = { extranonce1: '0a0b0c0d', extranonce2: '00000001', ntime, nonce, versionBits };
        const read = shareHexFields(ntime, nonce, versionBits?.padStart(8, '0'));
        const fromStrings = checkShareFields(s, sizes, 0, NOW, true);
        // What the regular expressions these readers replace accepted (submit.ts and checkShareFields before).
        const valid =
          HEX8.test(ntime) &&
          HEX8.test(nonce) &&
          (versionBits === undefined || HEX8.test(versionBits.padStart(8, '0')));
        if (!valid) {
          expect(typeof read).toBe('string');
          expect(fromStrings).toMatchObject({ ok: false, code: 20 });
          return;
        }
        const expected = {
          ntime: Number.parseInt(ntime, 16),
          nonce: Number.parseInt(nonce, 16),
          versionBits: versionBits === undefined ? undefined : Number.parseInt(versionBits.padStart(8, '0'), 16),
        };
        expect(read).toEqual(expected);
        expect(fromStrings).toEqual(expected);
      }),
    );
  });

  it('refuses each malformed field with its own message, in the order the fields come', () => {
    const ok = { extranonce1: '0a0b0c0d', extranonce2: '00000001', ntime: '6553f100', nonce: '00000000' };
    const check = (s: Partial<typeof ok> & { versionBits?: string }) =>
      checkShareFields({ ...ok, ...s }, sizes, 0, NOW, true);
    expect(check({ extranonce1: '0a0b0c0' })).toMatchObject({ message: 'invalid extranonce1' });
    expect(check({ extranonce2: '0000000g' })).toMatchObject({ message: 'incorrect size of extranonce2' });
    expect(check({ ntime: 'zz', nonce: 'zz' })).toMatchObject({ message: 'invalid ntime' });
    expect(check({ nonce: '-0000001' })).toMatchObject({ message: 'invalid nonce' });
    expect(check({ versionBits: '2000000x' })).toMatchObject({ message: 'invalid version bits' });
    // A short version bits string is its value (the proxy and the job manager have always read it so).
    expect(check({ versionBits: '2000' })).toEqual({ ntime: 0x6553f100, nonce: 0, versionBits: 0x2000 });
  });

  it('refuses a time before the earliest or more than 2 hours ahead, unless told to ignore it', () => {
    const nowS = Math.floor(NOW / 1000);
    const at = (t: number) => ({
      extranonce1: '0a0b0c0d',
      extranonce2: '00000001',
      ntime: t.toString(16).padStart(8, '0'),
      nonce: '00000000',
    });
    expect(checkShareFields(at(nowS + 7200), sizes, nowS - 10, NOW)).toMatchObject({ ntime: nowS + 7200 });
    expect(checkShareFields(at(nowS + 7201), sizes, nowS - 10, NOW)).toMatchObject({ message: 'ntime out of range' });
    expect(checkShareFields(at(nowS - 11), sizes, nowS - 10, NOW)).toMatchObject({ message: 'ntime out of range' });
    expect(checkShareFields(at(nowS - 11), sizes, nowS - 10, NOW, true)).toMatchObject({ ntime: nowS - 11 });
  });

  it("takes the caller's numbers for ntime, nonce and version bits instead of reading the strings again", () => {
    const s = { extranonce1: '0a0b0c0d', extranonce2: '00000001', ntime: 'not read', nonce: 'not read either' };
    const fields = { ntime: 0x6553f100, nonce: 7, versionBits: 0x2000 };
    expect(checkShareFields({ ...s, fields }, sizes, 0, NOW, true)).toBe(fields);
    // The rest is still checked: the extranonces and the time window, on the numbers given.
    expect(checkShareFields({ ...s, extranonce2: '0001', fields }, sizes, 0, NOW, true)).toMatchObject({ code: 20 });
    expect(checkShareFields({ ...s, fields }, sizes, 0x6553f101, NOW)).toMatchObject({ message: 'ntime out of range' });
    // Given the submit handler's reading of the same strings, the verdict is the one of reading them.
    fc.assert(
      fc.property(hex8, hex8, fc.option(hex8, { nil: undefined }), fc.boolean(), (ntime, nonce, versionBits, late) => {
        const read = shareHexFields(ntime, nonce, versionBits);
        if (typeof read === 'string') throw new Error('hex8 reads');
        const t = { extranonce1: '0a0b0c0d', extranonce2: '00000001', ntime, nonce, versionBits };
        const earliest = late ? 0xffffffff : 0;
        expect(checkShareFields({ ...t, fields: read }, sizes, earliest, NOW)).toEqual(
          checkShareFields(t, sizes, earliest, NOW),
        );
      }),
    );
  });
});
