// What one idle connection holds in the JS heap: the connections bench's server (the container's bundle) is
// snapshotted with no connection and with `count` idle ones (after the idle wait), and the two snapshots are compared
// by kind of object. `scripts/node --import tsx bench/heap-diff.ts [count=3000]`; also prints where the RSS is
// (/proc/self/smaps by mapping: before, right after the connect burst, after the idle wait).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureConnections } from './connections.js';
import { fmt } from './harness.js';

/** Objects of a heap snapshot by kind ("closure onData", "object Socket", "string"…): how many, and their bytes. */
export function heapByKind(snapshotJson: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(snapshotJson) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings, numbers and code are counted by type (their "name" is their content).
    const named = type !== 'string' && type !== 'number' && type !== 'concatenated string' && type !== 'sliced string';
    const name = named ? snap.strings[snap.nodes[i + nameAt]!]!.slice(0, 60) : '';
    const key = name === '' ? type : `${type} ${name}`;
    const k = kinds.get(key) ?? { count: 0, bytes: 0 };
    k.count++;
    k.bytes += snap.nodes[i + sizeAt]!;
    kinds.set(key, k);
  }
  return kinds;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const count = Number(process.argv[2] ?? 3000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-heap-diff-'));
  try {
    const snapshots = { before: join(dir, 'before.heapsnapshot'), after: join(dir, 'after.heapsnapshot') };
    // BENCH_HEAP_SNAPSHOTS=0: the RSS and mappings only (writing the first snapshot grows the process's malloc heap).
    const snap = process.env.BENCH_HEAP_SNAPSHOTS !== '0';
    const idle = Number(process.env.BENCH_IDLE_SECONDS ?? 35);
    const r = await measureConnections(count, undefined, idle, snap ? { snapshots } : {});
    const n = r.connected;
    console.log(
      `${n} idle connections; RSS ${fmt(r.rssBytesPerConnection / 1024)} KiB, heap used ${fmt(r.heapBytesPerConnection / 1024)} KiB per connection`,
    );
    console.log(`connect burst: ${fmt(r.garbageBytesPerConnection / 1024)} KiB of garbage per connection`);
    console.log(
      `idle: the server's CPU ${fmt(r.idleCpuMicrosPerSecond / 1000)} ms per second (sweep, timers, release)`,
    );
    if (r.released) {
      const { rssBytesPerConnection, pauseMs } = r.released;
      console.log(
        `after a last-resort collection: RSS ${fmt(rssBytesPerConnection / 1024)} KiB per connection (pause ${fmt(pauseMs)} ms)`,
      );
    }
    if (snap)
      printDiff(
        n,
        heapByKind(readFileSync(snapshots.before, 'utf8')),
        heapByKind(readFileSync(snapshots.after, 'utf8')),
      );
    console.log('resident KiB by mapping: before / after the connect burst / after the idle wait');
    for (const kind of Object.keys(r.smaps.idle)) {
      const at = (m: Record<string, number>) => fmt(m[kind] ?? 0, 0);
      console.log(`  ${kind.padEnd(28)} ${at(r.smaps.before)} / ${at(r.smaps.burst)} / ${at(r.smaps.idle)}`);
    }
    console.log("of the anonymous ones, V8's heap spaces (resident KiB)");
    for (const space of Object.keys(r.spaces.idle)) {
      const at = (m: Record<string, number>) => fmt(m[space] ?? 0, 0);
      console.log(`  ${space.padEnd(28)} ${at(r.spaces.before)} / ${at(r.spaces.burst)} / ${at(r.spaces.idle)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The heap's growth per connection by kind of object, largest first. */
function printDiff(n: number, before: ReturnType<typeof heapByKind>, after: ReturnType<typeof heapByKind>): void {
  const rows = [...after].map(([kind, a]) => {
    const b = before.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, count: (a.count - b.count) / n, bytes: (a.bytes - b.bytes) / n };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((t, r) => t + r.bytes, 0);
  console.log(`heap snapshot difference per connection: ${fmt(total)} bytes`);
  for (const row of rows.filter((r) => Math.abs(r.bytes) >= 4).slice(0, 40)) {
    console.log(`  ${fmt(row.bytes, 1).padStart(8)} B  ${fmt(row.count, 2).padStart(6)} ×  ${row.kind}`);
  }
}
