import { describe, expect, it } from 'vitest';
import { buildKernelDriver, driverRate } from '../../bench/scrypt-kernels.js';
import { scryptKernels } from '../../fargate/src/hashing/index.js';

// The addon's scrypt sources built without Node (bench/native/scrypt-kernels.cc): the lane kernels of this machine,
// and the arm64 build's NEON lanes run under qemu-user, which the Node tests cannot reach on an x86 machine.
describe('the scrypt kernel driver', () => {
  it('finds every kernel of this machine equal to the one-hash scrypt for batches of 1..40 and in every lane', () => {
    const driver = buildKernelDriver('host');
    if (typeof driver === 'string') throw new Error(`cannot build the driver: ${driver}`);
    try {
      const report = driver.run(['check']);
      for (const k of scryptKernels()) expect(report).toContain(`${k}: every batch size 1..40`);
      expect(driverRate(driver, scryptKernels()[0]!, 0.2)).toBeGreaterThan(0);
    } finally {
      driver.remove();
    }
  });

  const arm = buildKernelDriver('arm64');
  it.skipIf(typeof arm === 'string')(
    `finds the arm64 build's NEON lanes equal to its one-hash scrypt (under qemu-aarch64${typeof arm === 'string' ? `: skipped, ${arm}` : ''})`,
    () => {
      if (typeof arm === 'string') return;
      try {
        const report = arm.run(['check']);
        expect(report).toContain('neon: every batch size 1..40 and block 29255 in every lane match');
        expect(report).not.toContain('avx');
      } finally {
        arm.remove();
      }
    },
    60_000,
  );
});
