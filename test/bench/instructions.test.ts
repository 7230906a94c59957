import { describe, expect, it } from 'vitest';
import { callgrindBreakdown, callgrindSelfCosts, callgrindTotal } from '../../bench/instructions.js';

// A callgrind dump as valgrind writes one with name compression: a function's name once with its id, then the id
// alone; a call's line followed by its inclusive cost, which is not the caller's own.
const DUMP = `# callgrind format
version: 1
creator: callgrind-3.24.0
pid: 4242
cmd:  node share-server.mjs
part: 1

positions: line
events: Ir
summary: 1960

ob=(1) /node
fl=(1) ???
fn=(1) v8::internal::compiler::GraphReducer::ReduceTop()
0 300
+2 100
cfn=(2) v8::internal::compiler::Reducer::Reduce(v8::internal::compiler::Node*)
calls=4 0
* 250
fn=(2)
0 250
fn=(3) JS:*'parseSubmitLine
0 500
cob=(2) /pool_hashing.node
cfi=(2) ???
cfn=(4) pool::Sha256CompressScalar(unsigned int*, unsigned char const*, unsigned long)
calls=10 0
0 640
fn=(5) v8::internal::maglev::MaglevGraphBuilder::Build()
-1 20
ob=(2)
fl=(2)
fn=(4)
0 600
+1 40
fn=(6) Builtins_StringIndexOf
0 150

totals: 1960
`;

describe("the instructions section's reading of a callgrind dump", () => {
  it("counts each function's own lines, by its name, and not the cost after a call line", () => {
    const costs = callgrindSelfCosts(DUMP);
    expect(Object.fromEntries(costs)).toEqual({
      'v8::internal::compiler::GraphReducer::ReduceTop()': 400,
      'v8::internal::compiler::Reducer::Reduce(v8::internal::compiler::Node*)': 250,
      "JS:*'parseSubmitLine": 500,
      'v8::internal::maglev::MaglevGraphBuilder::Build()': 20,
      'pool::Sha256CompressScalar(unsigned int*, unsigned char const*, unsigned long)': 640,
      Builtins_StringIndexOf: 150,
    });
    // Every instruction once: the parts sum to the dump's own total line.
    expect([...costs.values()].reduce((a, b) => a + b, 0)).toBe(callgrindTotal(DUMP));
  });

  it('splits the total into SHA-256, V8 compiling and the rest', () => {
    expect(callgrindBreakdown(DUMP)).toEqual({ total: 1960, sha256: 640, compiler: 670, rest: 650 });
  });
});
