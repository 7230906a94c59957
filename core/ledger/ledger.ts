/** The ledger model: entries and balances (entries.ts), planning entries (plan.ts) and the audit (audit.ts). */
export { type AuditInput, type AuditResult, audit } from './audit.js';
export {
  type Balance,
  balancesFromEntries,
  type EntryKind,
  entryId,
  type LedgerEntry,
  parseRevisionRef,
  type Role,
  revisionRef,
  zeroBalance,
} from './entries.js';
export {
  type BlockStage,
  blockEntries,
  type PayoutStage,
  payoutEntries,
  roundCreditEntries,
  roundRef,
  splitCredits,
} from './plan.js';
