// The stratum line framer on a slow trickle: one 64 KiB line arriving a byte at a time (a client dripping a request,
// or a network splitting it finely). Framing must stay linear in the bytes received, whatever the chunking.
// Run directly with `npx tsx bench/framer.ts`; the bench runner imports benchFramer().
import { pathToFileURL } from 'node:url';
import { LineFramer } from '../fargate/src/stratum/framer.js';

const LINE_BYTES = 64 * 1024;

/** Milliseconds to frame one `lineBytes` line pushed `chunkBytes` at a time (the best of `runs`). */
export function trickleMs(lineBytes = LINE_BYTES, chunkBytes = 1, runs = 3): number {
  const text = Buffer.from(`{"id":1,"method":"mining.subscribe","params":["${'x'.repeat(lineBytes - 52)}"]}\n`);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const framer = new LineFramer(lineBytes);
    const chunks = Array.from({ length: Math.ceil(text.length / chunkBytes) }, (_, i) =>
      text.subarray(i * chunkBytes, (i + 1) * chunkBytes),
    );
    const start = performance.now();
    let lines = 0;
    for (const chunk of chunks) lines += framer.push(chunk).length;
    best = Math.min(best, performance.now() - start);
    if (lines !== 1) throw new Error(`framed ${lines} lines, expected 1`);
  }
  return best;
}

export function benchFramer(): Record<string, number> {
  trickleMs(16 * 1024, 1, 1); // warm-up: the first pushes run unoptimized
  return {
    '64 KiB line, 1 byte a chunk (ms)': trickleMs(LINE_BYTES, 1),
    '64 KiB line, 1,460 bytes a chunk (ms)': trickleMs(LINE_BYTES, 1460),
    '16 KiB line, 1 byte a chunk (ms)': trickleMs(16 * 1024, 1),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const [name, ms] of Object.entries(benchFramer())) console.log(`${name}: ${ms.toFixed(2)}`);
}
