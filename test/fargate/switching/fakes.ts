import { bitsToTarget } from '../../../core/chain/target.js';
import type { SwitchingState, SwitchingStore, SwitchRecord } from '../../../core/ports/switching-store.js';
import type { Upstream } from '../../../families/chain-family.js';
import type { JobEconomics } from '../../../fargate/src/jobs/types.js';
import { FakeJobProvider, job } from '../stratum/fakes.js';

/** A coin's running job source as the switching port sees it: jobs, share verdicts, what the newest job pays, health. */
export class FakeCoinSource extends FakeJobProvider {
  healthy = true;
  economicsNow: JobEconomics;
  constructor(
    readonly prefix: string,
    reward: bigint,
  ) {
    super(job(`${prefix}1`, true, 500));
    this.economicsNow = { height: 500, reward, target: bitsToTarget(0x207fffff), aux: [] };
  }
  economics(): JobEconomics {
    return this.economicsNow;
  }
  upstreams(): Upstream[] {
    return [{ daemon: `http://node-${this.prefix}`, healthy: this.healthy }];
  }
  async refresh(): Promise<void> {}
  stop(): void {}
}

export class MemorySwitchingStore implements SwitchingStore {
  states: SwitchingState[] = [];
  records: SwitchRecord[] = [];
  async putState(state: SwitchingState): Promise<void> {
    this.states.push(state);
  }
  async recordSwitch(record: SwitchRecord): Promise<void> {
    this.records.push(record);
  }
  async state(): Promise<SwitchingState | undefined> {
    return this.states.at(-1);
  }
  async switches(): Promise<SwitchRecord[]> {
    return [...this.records].reverse();
  }
}
