import { describe, expect, it } from 'vitest';
import { InvalidAddressError } from '../../../core/errors.js';
import { remembered, rememberedAddresses, userAgent } from '../../../fargate/src/stratum/address-cache.js';

describe('rememberedAddresses', () => {
  it('validates each address once and hands every caller the same canonical string', () => {
    const seen: string[] = [];
    const check = rememberedAddresses((a) => {
      seen.push(a);
      return a.toLowerCase();
    });
    const first = check('TLTC1QABC');
    const again = check(`TLTC1Q${'ABC'}`); // an equal string made apart
    expect(first).toBe('tltc1qabc');
    expect(again).toBe(first);
    expect(seen).toEqual(['TLTC1QABC']);
    expect(check('TLTC1QDEF')).toBe('tltc1qdef');
    expect(seen).toHaveLength(2);
  });

  it('refuses a bad address every time it is given, remembering nothing for it', () => {
    let calls = 0;
    const check = rememberedAddresses(() => {
      calls++;
      throw new InvalidAddressError('not an address');
    });
    expect(() => check('x')).toThrow(InvalidAddressError);
    expect(() => check('x')).toThrow(InvalidAddressError);
    expect(calls).toBe(2);
  });

  it('stays bounded: past 4,096 addresses it forgets and validates again', () => {
    let calls = 0;
    const check = rememberedAddresses((a) => {
      calls++;
      return a;
    });
    for (let i = 0; i <= 4096; i++) check(`a${i}`);
    expect(calls).toBe(4097);
    check('a0'); // forgotten when the memory filled
    expect(calls).toBe(4098);
  });
});

describe('remembered user agents', () => {
  it('makes each agent once, whatever line it came from, and gives back what the miner sent', () => {
    let made = 0;
    const agent = remembered((a) => {
      made++;
      return a;
    }, 1024);
    const fromLine = (n: number) => JSON.parse(`{"params":["cgminer/4.12.0"],"id":${n}}`).params[0] as string;
    expect(agent(fromLine(1))).toBe('cgminer/4.12.0');
    expect(agent(fromLine(2))).toBe('cgminer/4.12.0');
    expect(made).toBe(1);
    expect(userAgent('bmminer/2.0.0')).toBe('bmminer/2.0.0');
  });
});
