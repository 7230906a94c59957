import { randomBytes } from 'node:crypto';
import {
  accountsLeftToConversion,
  effectivePreferences,
  type ForeignAccounts,
} from '../../core/conversion/exclusion.js';
import { entryId, type LedgerEntry, payoutEntries } from '../../core/ledger/ledger.js';
import {
  amountsByAddress,
  minimumOf,
  type PayoutPolicy,
  type PayoutRecipient,
  type PayoutRecord,
  planPayouts,
} from '../../core/ledger/payouts.js';
import type { ConversionStore } from '../../core/ports/conversion-store.js';
import type { Logger } from '../../core/ports/logger.js';
import type { LedgerStateStore, LedgerStore, PayoutStore } from '../../core/ports/money-store.js';
import {
  type AnyPayoutSender,
  isSignedFirst,
  PayoutConflictError,
  PayoutNotSentError,
  type SignedFirstSender,
  type SignedPayout,
} from '../../core/ports/payout-sender.js';
import { type LeaseDeps, withDebitLease, withLease } from '../shared/debit-lease.js';
import { type AccountPayouts, accountPayouts } from './account-settings.js';
import { type AuxPayoutAddresses, auxPayTo } from './aux-recipients.js';

export interface PayoutDeps {
  coin: string;
  /** Without `available`: it is computed from the wallet's spendable balance minus `reserve`. */
  policy: Omit<PayoutPolicy, 'available'>;
  /** What the pool keeps in the wallet (fees of payout transactions, PPS float), base units. */
  reserve?: bigint;
  /**
   * Blocks deep a payout's transaction must be before the payout is settled (default 1): until then it stays `sent`,
   * so one a reorg dropped goes out again (the recorded bytes, or the node wallet's own rebroadcast) instead of being
   * settled as paid. The next payout waits for it (one in flight per coin).
   */
  confirmations?: number;
  /** Last share time of an account, for the inactive threshold. */
  lastActivity?: (account: string) => Promise<number>;
  /** Balances (the stored counters, not the entries), payouts, the suspension and the debit lease. */
  money: Pick<LedgerStore, 'putEntries' | 'listBalances'> &
    Pick<PayoutStore, 'createPayout' | 'transitionPayout' | 'recordSignedPayout' | 'listOpenPayouts'> &
    Pick<LedgerStateStore, 'getSuspension' | 'setSuspension' | 'acquireLease' | 'releaseLease'>;
  /** Sends the coin's payouts: one found by payout id after a crash, or one that signs first (core/ports). */
  sender: AnyPayoutSender;
  /**
   * The coin converts (coins[].conversion): its miners' preferences and open conversions. Miners opted in to another
   * currency are paid by conversion only (core/conversion/exclusion.ts).
   */
  conversions?: Pick<ConversionStore, 'listPreferences' | 'listOpenConversions'>;
  /**
   * The coin is mined on a switching port paying in another currency (issue 17): its accounts that are addresses of
   * that currency are never paid here, only converted (core/conversion/exclusion.ts); without `conversions` they accrue.
   */
  foreign?: ForeignAccounts;
  /**
   * An aux coin (merged mining): its accounts are the parent's mining addresses, each paid at its aux address (the
   * recipient's `address`, kept on the payout record); accounts without one accrue.
   */
  auxAddresses?: AuxPayoutAddresses;
  /**
   * Miner accounts (issue 19): their thresholds, payout addresses and cool-down holds (app/payouts/account-settings.ts).
   * An account's payout address comes before an aux coin's password address; without either an aux account accrues.
   */
  accounts?: AccountPayouts;
  /** Waiting for the payouts lease (another pass) and the debit lease (a conversion pass); tests shorten it. */
  lease?: Pick<LeaseDeps, 'waitMs' | 'pollMs' | 'sleep' | 'clock'>;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  now: () => number;
  /** Test hook: throws at a named step to simulate a crash there. */
  crashAt?: (
    step: 'after-reserve' | 'after-sending' | 'after-prepare' | 'after-record' | 'after-send' | 'after-sent',
  ) => void;
}

export type PayoutReport =
  | { status: 'suspended'; reason: string }
  | { status: 'idle' }
  /** Another pass of the coin held the payouts lease past the wait: this one did nothing. */
  | { status: 'busy' }
  | { status: 'dry-run'; recipients: PayoutRecipient[] }
  | { status: 'progressed'; payouts: Array<{ id: string; status: string; txid?: string }> };

/**
 * One payout pass for a coin. Exactly once: a payout's money moves only through conditional status changes
 * (pending → sending → sent → confirmed), the transaction is created only by whoever won pending → sending, and a
 * payout found in `sending` (a crash around sending) is reconciled before anything is sent again: by its id in the
 * wallet (sendmany), or, for a signed-first sender, by the transaction recorded before it was broadcast (broadcast
 * again, the same bytes; none recorded: none went out). What cannot be explained suspends the coin's payouts
 * instead of guessing. A pass holds the coin's payouts lease (a dry run reads only): a second pass at once (the
 * local timer beside `pool payouts run`, two invocations) waits for it, or reports `busy`.
 */
export async function runPayouts(deps: PayoutDeps, opts: { dryRun?: boolean } = {}): Promise<PayoutReport> {
  const { coin, money } = deps;
  const suspended = await money.getSuspension(coin);
  if (suspended) return { status: 'suspended', reason: suspended };
  if (opts.dryRun) {
    const open = await openPayouts(deps);
    if (open.length > 0)
      return { status: 'progressed', payouts: open.map((p) => ({ id: p.id, status: p.status, txid: p.txid })) };
    return { status: 'dry-run', recipients: await plan(deps) };
  }
  // One pass of a coin at a time: a payout found in `sending` is taken for a pass that died around its send, which
  // holds only when no live pass can be inside that send (docs/security.md). A second pass waits for the first.
  const leased = await withLease(
    { ...deps, ...deps.lease },
    {
      name: PAYOUTS_LEASE,
      ms: PAYOUTS_LEASE_MS,
      busy: 'another payout pass holds the lease; paying nothing this pass',
    },
    () => payoutPass(deps),
  );
  return leased.held ? leased.value : { status: 'busy' };
}

/** The lease a payout pass holds on the coin's ledger (`STATE/lease#payouts`): passes never overlap. */
export const PAYOUTS_LEASE = 'payouts';
/**
 * Longer than a pass may run (the payouts Lambda's 5-minute timeout), so that it only expires when its holder died;
 * then the next pass reconciles what that one left in `sending`.
 */
const PAYOUTS_LEASE_MS = 6 * 60_000;

async function openPayouts(deps: PayoutDeps): Promise<PayoutRecord[]> {
  return (await deps.money.listOpenPayouts(deps.coin)).filter((p) => ['pending', 'sending', 'sent'].includes(p.status));
}

/** The pass itself, under the payouts lease. */
async function payoutPass(deps: PayoutDeps): Promise<PayoutReport> {
  const { coin, money, log } = deps;
  // Read again under the lease: a pass that held it a moment ago may have suspended the coin.
  const suspended = await money.getSuspension(coin);
  if (suspended) return { status: 'suspended', reason: suspended };
  const open = await openPayouts(deps);
  const touched: Array<{ id: string; status: string; txid?: string }> = [];
  try {
    for (const p of open) touched.push(await advance(deps, p));
    // One payout in flight per coin: plan a new one only when none is left open.
    if (touched.every((t) => t.status === 'confirmed')) {
      // Choose and reserve under the debit lease: a conversion pass cannot take the same balances meanwhile.
      const planned = await withDebitLease({ ...deps, ...deps.lease }, async () => {
        const recipients = await plan(deps);
        if (recipients.length === 0) return undefined;
        const now = deps.now();
        const payout: PayoutRecord = {
          id: `${coin}-${now}-${randomBytes(3).toString('hex')}`,
          coin,
          status: 'pending',
          recipients,
          total: recipients.reduce((s, r) => s + r.amount, 0n),
          createdAt: now,
          updatedAt: now,
        };
        await money.createPayout(coin, payout);
        await money.putEntries(coin, payoutEntries('reserve', payout, now));
        log.info(
          { payout: payout.id, recipients: recipients.length, total: payout.total.toString() },
          'payout planned',
        );
        return payout;
      });
      if (planned.held && planned.value) touched.push(await advance(deps, planned.value));
    }
  } catch (err) {
    if (err instanceof SuspendPayouts) {
      await money.setSuspension(coin, err.message);
      log.error({ coin, reason: err.message }, 'payouts suspended');
      return { status: 'suspended', reason: err.message };
    }
    throw err;
  }
  return touched.length > 0 ? { status: 'progressed', payouts: touched } : { status: 'idle' };
}

class SuspendPayouts extends Error {}

async function plan(deps: PayoutDeps): Promise<PayoutRecipient[]> {
  const balances = await deps.money.listBalances(deps.coin);
  if (deps.conversions || deps.foreign) {
    const [signed, open] = await Promise.all([
      deps.conversions?.listPreferences(deps.coin) ?? [],
      deps.conversions?.listOpenConversions(deps.coin) ?? [],
    ]);
    const preferences = effectivePreferences(deps.coin, signed, balances.keys(), deps.foreign);
    for (const account of accountsLeftToConversion(deps.coin, preferences, open)) balances.delete(account);
  }
  const owing = [...balances].filter(([, b]) => b.confirmed > 0n).map(([account]) => account);
  const accounts = deps.accounts ? await accountPayouts(deps.accounts, owing, deps.now(), deps.log) : undefined;
  for (const account of accounts?.skip ?? []) balances.delete(account);
  let payTo = accounts?.payTo;
  if (deps.auxAddresses) {
    // An account's own payout address first; the address its password gave for the others.
    const rest = owing.filter((account) => balances.has(account) && !payTo?.has(account));
    payTo = new Map([...(await auxPayTo(deps.auxAddresses, rest, deps.log)), ...(payTo ?? [])]);
    for (const account of [...balances.keys()]) if (!payTo.has(account)) balances.delete(account);
  }
  const policy = { ...deps.policy, ...(accounts && { perAccount: accounts.minimums }) };
  const spendable = await deps.sender.spendable();
  const activity = new Map<string, number>();
  if (policy.inactiveMinimum !== undefined && deps.lastActivity) {
    for (const [account, b] of balances) {
      if (b.confirmed >= policy.inactiveMinimum && b.confirmed < minimumOf(policy, account)) {
        activity.set(account, await deps.lastActivity(account));
      }
    }
  }
  const { maxRecipients, ...thresholds } = policy;
  // One transaction in flight per coin: the first (only) batch.
  const [planned = []] = planPayouts({
    balances,
    thresholds,
    lastActivity: (a) => activity.get(a) ?? Number.POSITIVE_INFINITY,
    maxRecipients,
    spendable,
    reserve: deps.reserve ?? 0n,
    now: deps.now(),
  });
  // A recipient paid elsewhere (an aux coin's, an account's payout address) carries the address it is paid at: the
  // record keeps it, so a later change of the miner's address moves no planned payout.
  const recipients = planned.map((r) => {
    const address = payTo?.get(r.account);
    return address === undefined || address === r.account ? r : { ...r, address };
  });
  const owed = [...balances].filter(([account, b]) => b.confirmed >= minimumOf(policy, account)).length;
  if (recipients.length < Math.min(owed, policy.maxRecipients)) {
    deps.log.warn(
      { coin: deps.coin, spendable: spendable.toString(), reserve: (deps.reserve ?? 0n).toString(), owed },
      'wallet cannot cover every payout due above the reserve',
    );
  }
  return recipients;
}

async function advance(deps: PayoutDeps, p: PayoutRecord): Promise<{ id: string; status: string; txid?: string }> {
  const { coin, money, sender, log } = deps;
  let status = p.status;
  let txid = p.txid;
  if (status === 'pending') {
    // Reserve first (idempotent): the amounts leave `confirmed` before any coin leaves the wallet.
    await money.putEntries(coin, payoutEntries('reserve', p, deps.now()));
    deps.crashAt?.('after-reserve');
    // Where the wallet's history stands before the first attempt: a lookup after a crash reads from there on.
    const historyMark = p.historyMark ?? (isSignedFirst(sender) ? undefined : await sender.historyMark?.());
    if (!(await money.transitionPayout(coin, p.id, 'pending', 'sending', { historyMark }))) {
      return { id: p.id, status: 'busy' }; // another run took it
    }
    status = 'sending';
    deps.crashAt?.('after-sending');
    let signed: SignedPayout | undefined;
    try {
      if (isSignedFirst(sender)) signed = await sender.prepare(p.id, p.recipients);
      else txid = await sender.send(p.id, p.recipients);
    } catch (err) {
      if (!(err instanceof PayoutNotSentError)) throw err;
      // Refused before anything went out: retrying every pass would fail the same way. Back to pending (its amounts
      // stay reserved) and suspended until an operator fixed the cause (funds, gas, the token) and resumed.
      await mustTransition(deps, p.id, 'sending', 'pending');
      throw new SuspendPayouts(`payout ${p.id} was refused before sending: ${err.message}`);
    }
    if (signed && isSignedFirst(sender)) {
      deps.crashAt?.('after-prepare');
      // Recorded before it is broadcast: from now on these bytes are the payout's only transaction.
      if (!(await money.recordSignedPayout(coin, p.id, signed))) {
        return { id: p.id, status: 'busy' }; // another run recorded one first: its transaction is the payout's
      }
      deps.crashAt?.('after-record');
      txid = await broadcastRecorded(sender, p.id, signed);
    }
    deps.crashAt?.('after-send');
    await mustTransition(deps, p.id, 'sending', 'sent', txid);
    status = 'sent';
    deps.crashAt?.('after-sent');
    log.info({ payout: p.id, txid }, 'payout sent');
  } else if (status === 'sending' && isSignedFirst(sender)) {
    // A crash around a signed-first send: the recorded transaction may have gone out; broadcast it again (the same
    // bytes: at most one of them can ever be mined). None recorded: nothing was broadcast.
    if (p.signedTx && p.txid) {
      txid = await broadcastRecorded(sender, p.id, { txid: p.txid, raw: p.signedTx });
      await mustTransition(deps, p.id, 'sending', 'sent', txid);
      log.warn({ payout: p.id, txid }, 'recovered a payout: its recorded transaction was broadcast again');
      status = 'sent';
    } else if (p.historyMark || p.txid) {
      // Begun by a sender that finds payouts by id (the coin's wallet setting changed meanwhile): only that wallet
      // can tell whether it went out.
      throw new SuspendPayouts(`payout ${p.id} was begun by another kind of sender and has no recorded transaction`);
    } else {
      await mustTransition(deps, p.id, 'sending', 'pending');
      log.warn({ payout: p.id }, 'payout was not signed and recorded before a crash; sending it now');
      return advance(deps, { ...p, status: 'pending' });
    }
  } else if (status === 'sending' && !isSignedFirst(sender)) {
    if (p.signedTx) {
      throw new SuspendPayouts(`payout ${p.id} has a signed transaction but the coin's sender cannot broadcast it`);
    }
    // A crash around sendmany: did the transaction go out? The wallet knows it by the payout id.
    const found = await sender.findPayout(p.id, p.historyMark);
    if (found.length > 1) throw new SuspendPayouts(`payout ${p.id} appears in ${found.length} wallet transactions`);
    if (found.length === 1) {
      const tx = found[0]!;
      if (!sameOutputs(tx.outputs, p.recipients)) {
        throw new SuspendPayouts(`payout ${p.id}: wallet transaction ${tx.txid} does not match the planned outputs`);
      }
      await mustTransition(deps, p.id, 'sending', 'sent', tx.txid);
      log.warn({ payout: p.id, txid: tx.txid }, 'recovered a payout sent before a crash');
      status = 'sent';
      txid = tx.txid;
    } else {
      // Never left the wallet: back to pending and send it now (the reserve entries already exist).
      await mustTransition(deps, p.id, 'sending', 'pending');
      log.warn({ payout: p.id }, 'payout was not sent before a crash; sending it now');
      return advance(deps, { ...p, status: 'pending' });
    }
  }
  if (status === 'sent' && txid) {
    const confirmations = await sender.confirmations(txid);
    if (confirmations < 0) throw new SuspendPayouts(`payout ${p.id}: transaction ${txid} conflicts with the chain`);
    // Sent by an earlier pass and not mined yet: a node that restarted or evicted it has forgotten it; the recorded
    // bytes go out again.
    if (confirmations === 0 && p.status === 'sent' && p.signedTx && isSignedFirst(sender)) {
      await broadcastRecorded(sender, p.id, { txid, raw: p.signedTx });
    }
    if (confirmations >= (deps.confirmations ?? 1)) {
      await money.putEntries(coin, await settlement(deps, p, txid));
      await mustTransition(deps, p.id, 'sent', 'confirmed');
      status = 'confirmed';
    }
  }
  return { id: p.id, status, txid };
}

/**
 * Broadcasts a payout's recorded transaction. Its inputs spent by another transaction: it can never be mined, and a
 * new transaction for the payout is the operator's decision, never automatic (suspended).
 */
async function broadcastRecorded(sender: SignedFirstSender, id: string, tx: SignedPayout): Promise<string> {
  let txid: string;
  try {
    txid = await sender.broadcast(tx);
  } catch (err) {
    if (!(err instanceof PayoutConflictError)) throw err;
    throw new SuspendPayouts(`payout ${id}: transaction ${tx.txid} cannot be mined: ${err.message}`);
  }
  if (txid !== tx.txid) {
    throw new SuspendPayouts(`payout ${id}: the node named transaction ${tx.txid} ${txid} when it was broadcast`);
  }
  return txid;
}

async function mustTransition(
  deps: PayoutDeps,
  id: string,
  from: PayoutRecord['status'],
  to: PayoutRecord['status'],
  txid?: string,
) {
  if (!(await deps.money.transitionPayout(deps.coin, id, from, to, txid ? { txid } : {}))) {
    throw new SuspendPayouts(`payout ${id} was not in status ${from} when moving it to ${to}`);
  }
}

/**
 * The entries that settle a confirmed payout: `paid` for each recipient, except one its transaction could not pay
 * (sender.skipped: the token or the address refused it), whose reserved amount is `returned` to its balance with the
 * reason as the entry's note. Read from the mined transaction, so a repeated pass writes the same entries.
 */
async function settlement(deps: PayoutDeps, p: PayoutRecord, txid: string): Promise<LedgerEntry[]> {
  const skipped = (await deps.sender.skipped?.(txid)) ?? [];
  const why = new Map<string, string>();
  for (const s of skipped) {
    if (!p.recipients.some((r) => r.account === s.account && r.amount === s.amount)) {
      throw new SuspendPayouts(
        `payout ${p.id}: transaction ${txid} skipped ${s.account} (${s.amount}), not a recipient`,
      );
    }
    why.set(s.account, s.reason);
  }
  if (why.size > 0) {
    deps.log.warn(
      { payout: p.id, txid, returned: [...why.keys()] },
      'recipients refused: amounts returned to balances',
    );
  }
  return payoutEntries('paid', p, deps.now()).map((e) => {
    const note = why.get(e.account);
    if (note === undefined) return e;
    return { ...e, id: entryId('returned', p.id, 'miner', e.account), kind: 'returned' as const, note };
  });
}

/**
 * Whether a wallet transaction pays what the payout planned: the amount per address paid (payoutAddress: an aux
 * coin's recipients are paid at their aux addresses; two accounts paid at one address share one output).
 */
function sameOutputs(a: PayoutRecipient[], b: PayoutRecipient[]): boolean {
  const key = (xs: PayoutRecipient[]) =>
    [...amountsByAddress(xs)]
      .map(([address, amount]) => `${address}=${amount}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}
