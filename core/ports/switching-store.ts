/**
 * What a switching port (fargate/src/switching) records for the stats API and the dashboard: its profitability table
 * now, and every switch. Written by the switching service every few seconds (the table) and at each switch; read by
 * the stats API. AWS and local mode: items in the stats table of the port's first coin
 * (adapters/aws/dynamo-switching-store.ts).
 *
 * Amounts and prices are exact decimal strings (base units, or whole units where named so), never floats.
 */
export interface SwitchingStore {
  /** Replaces the port's current state. */
  putState(state: SwitchingState): Promise<void>;
  /** Records a switch; recording the same switch (port, time) twice keeps one. */
  recordSwitch(record: SwitchRecord): Promise<void>;
  /** The port's newest state, or undefined before its first evaluation. */
  state(port: string): Promise<SwitchingState | undefined>;
  /** The port's switches, newest first, at or after `since` (ms), at most `limit` (default 100). */
  switches(port: string, options?: { since?: number; limit?: number }): Promise<SwitchRecord[]>;
}

/** A switching port's state at its last evaluation. */
export interface SwitchingState {
  /** The `switching[].name` of the config. */
  port: string;
  algorithm: string;
  /** The currency earnings are compared in (`switching[].quote`, e.g. BTC). */
  quote: string;
  /** The coin the port's miners mine now. */
  current: string;
  /** When the port last switched (ms), or when it started on `current`. */
  since: number;
  /** A coin that beats the current one by the margin, and since when (ms): it is switched to once held long enough. */
  leader?: { coin: string; since: number };
  /** One row per coin of the port, in config order. */
  table: ProfitabilityRow[];
  /** When this state was computed (ms). */
  at: number;
}

/** One coin's line of the profitability table. */
export interface ProfitabilityRow {
  coin: string;
  /**
   * What one hash earns, in quote base units per 10^12 hashes (per TH; ×86400 for a TH/s-day), the coin's block reward
   * and its merged chains' together, as an exact decimal (up to 12 fractional digits). Absent: not computable (no
   * reward seen yet, no price).
   */
  earningsPerTerahash?: string;
  /** The average coinbase value (subsidy and fees) of the coin's recent jobs, base units. */
  reward?: string;
  /** The current job's network difficulty, in the coin's stratum convention. */
  networkDifficulty?: number;
  /** The coin's price in the quote currency (whole quote per whole coin), as read, and when (ms). */
  price?: string;
  priceAt?: number;
  /** Merged chains mined with the coin: their part of the earnings. */
  aux?: Array<{ coin: string; reward?: string; price?: string; priceAt?: number; earningsPerTerahash?: string }>;
  /** At least one of the coin's own nodes answers. */
  healthy: boolean;
  /** Whether the port may switch to this coin now; when not, why (unhealthy, price stale, no price, no reward). */
  eligible: boolean;
  ineligibleBecause?: string;
}

/** One switch of a port's miners from one coin to another. */
export interface SwitchRecord {
  port: string;
  /** When the miners were sent the new coin's work (ms). */
  at: number;
  from: string;
  to: string;
  /** Why, in words ("DOGE beat LTC by 12.5% for 300 s", "LTC unhealthy: no node answers"). */
  reason: string;
  /** The earnings per TH of `from` and `to` at the switch, as in the table. */
  fromEarnings?: string;
  toEarnings?: string;
}
