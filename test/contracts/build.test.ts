import { describe, expect, it } from 'vitest';
import { PAYOUT_BATCH } from '../../adapters/evm/payout-batch.generated.js';
import { CONTRACTS, compileContract } from '../../contracts/build.js';
import { REFUSING_RECIPIENT } from '../fixtures/evm/refusing-recipient.generated.js';
import { TEST_TOKEN } from '../fixtures/evm/test-token.generated.js';

const GENERATED: Record<string, { compiler: string; abi: readonly unknown[]; bytecode: string }> = {
  PayoutBatch: PAYOUT_BATCH,
  TestToken: TEST_TOKEN,
  RefusingRecipient: REFUSING_RECIPIENT,
};

describe('compiled contracts', () => {
  it.each(CONTRACTS.map((c) => [c.contract, c] as const))(
    '%s: the committed ABI and bytecode are what solc makes of the source today',
    (name, target) => {
      const fresh = compileContract(target);
      const committed = GENERATED[name]!;
      expect(committed.compiler).toBe(fresh.compiler);
      expect(committed.abi).toEqual(fresh.abi);
      expect(committed.bytecode).toBe(fresh.bytecode);
    },
  );
});
