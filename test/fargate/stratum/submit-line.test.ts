import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ProtocolError,
  parseJsonRequest,
  parseRequest,
  parseSubmitLine,
  type StratumRequest,
} from '../../../fargate/src/stratum/protocol.js';

/** The full parse's verdict on a line: its request, or its refusal (message and echoed id). */
function full(line: string): { request: StratumRequest } | { error: string; id: unknown } {
  try {
    return { request: parseJsonRequest(line) };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { error: err.message, id: err.id };
  }
}

/** The shortcut either gives exactly the full parse's request (the same id, even -0 against 0) or defers. */
function agrees(line: string): boolean {
  const fast = parseSubmitLine(line);
  if (fast === undefined) return true;
  const slow = full(line);
  expect(slow).toHaveProperty('request');
  const request = (slow as { request: StratumRequest }).request;
  expect(fast).toStrictEqual(request);
  expect(Object.is(fast.id, request.id)).toBe(true);
  return true;
}

const SPACE = fc.constantFrom('', '', '', ' ', '  ', '\t', '\r', '\n', ' \t ');
const PLAIN = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
/** What the shortcut reads: printable ASCII without quote or backslash. */
const SIMPLE = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0x7e })
    .filter((c) => c !== 0x22 && c !== 0x5c)
    .map((c) => String.fromCharCode(c)),
});
const ANY_STRING = fc.oneof(PLAIN, fc.string(), fc.constantFrom('a\\"b', '\\u0041', 'é', '\u2028', 'x\ty'));
const ID = fc.oneof(
  fc.nat({ max: 2 ** 53 }).map(String),
  fc.constantFrom('0', '-0', '01', '-1', '1.5', '1e3', '1E+2', 'null', 'true', '{}', '[]', '999999999999999999'),
  ANY_STRING.map((s) => JSON.stringify(s)),
);
const PARAM = fc.oneof(
  { weight: 5, arbitrary: PLAIN.map((s) => JSON.stringify(s)) },
  ANY_STRING.map((s) => JSON.stringify(s)),
  fc.constantFrom('1', 'null', 'true', '[]', '{}', '["x"]', '"\\/"'),
);

interface Parts {
  id: string;
  method: string;
  params: string[];
  order: string[];
  space: string[];
}

/** The line of `parts`: its keys in `order` (a key may be missing, extra or twice), whitespace from `space`. */
function lineOf({ id, method, params, order, space }: Parts): string {
  let k = 0;
  const ws = () => space[k++ % space.length]!;
  const value = { id, method, params: `[${ws()}${params.join(`${ws()},${ws()}`)}${ws()}]`, worker: '"rig"' };
  const body = order.map((key) => `${ws()}"${key}"${ws()}:${ws()}${value[key as keyof typeof value]}${ws()}`);
  return `${ws()}{${body.join(',')}}${ws()}`;
}

const ORDERS = [
  ['id', 'method', 'params'],
  ['params', 'id', 'method'],
  ['method', 'params', 'id'],
];

/** Lines of the shortcut's shape: plain strings, 5 or 6 params, the three keys once each, in any order. */
const SHAPED = fc
  .record({
    id: fc.oneof(
      fc.nat({ max: 2 ** 40 }).map(String),
      SIMPLE.map((s) => `"${s}"`),
      fc.constant('null'),
    ),
    method: fc.constant('"mining.submit"'),
    params: fc.array(
      SIMPLE.map((s) => `"${s}"`),
      { minLength: 5, maxLength: 6 },
    ),
    order: fc.constantFrom(...ORDERS),
    space: fc.array(fc.constantFrom('', '', ' ', '  '), { minLength: 40, maxLength: 40 }),
  })
  .map(lineOf);

/** Submit-like lines: odd ids, other methods, 3-7 params of any JSON, keys missing, extra or twice. */
const WILD = fc
  .record({
    id: ID,
    method: fc.oneof(
      { weight: 6, arbitrary: fc.constant('"mining.submit"') },
      fc.constantFrom('"mining.submitx"', '"mining.subscribe"', '"mining\\u002esubmit"', '1', 'null'),
    ),
    params: fc.array(PARAM, { minLength: 3, maxLength: 7 }),
    order: fc.constantFrom(
      ...ORDERS,
      ['id', 'method'],
      ['id', 'method', 'params', 'id'],
      ['id', 'method', 'params', 'worker'],
      ['method', 'params', 'params'],
    ),
    space: fc.array(SPACE, { minLength: 40, maxLength: 40 }),
  })
  .map(lineOf);

const LINE = fc.oneof(SHAPED, WILD);

/** A line with a few characters inserted, deleted or replaced (quotes, brackets, escapes, digits…). */
const MUTATED = fc
  .tuple(
    LINE,
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('insert', 'delete', 'replace'),
        fc.constantFrom('"', '\\', ',', ':', '[', ']', '{', '}', ' ', '0', '9', '-', '.', 'e', 'n', '\u0000', 'é'),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([line, edits]) => {
    let s = line;
    for (const [at, op, ch] of edits) {
      const i = s.length === 0 ? 0 : at % s.length;
      s =
        op === 'insert'
          ? s.slice(0, i) + ch + s.slice(i)
          : s.slice(0, i) + (op === 'replace' ? ch : '') + s.slice(i + 1);
    }
    return s;
  });

describe('the mining.submit shortcut', () => {
  it('reads the lines real miners send, as the full parse does', () => {
    const lines = [
      // cpuminer 2.5.1 (the same id for every submit)
      '{"method": "mining.submit", "params": ["rltc1qq5zs2pg9q5zs2pg9q5zs2pg9q5zs2pg9rlxz7l.rig1", "1", "00000000", "6500000a", "0000abcd"], "id":4}',
      // cgminer/bfgminer with version rolling: six params
      '{"params": ["worker", "2a", "01000000", "6500000a", "deadbeef", "00002000"], "id": 1024, "method": "mining.submit"}',
      // the bench's load generator
      '{"id":12,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]}',
      '{"id":"s-1","method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]}',
      '{"id":null,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]}',
    ];
    for (const line of lines) {
      expect(parseSubmitLine(line)).toBeDefined();
      agrees(line);
      expect(parseRequest(line)).toStrictEqual(parseJsonRequest(line));
    }
  });

  it('defers every other line to the full parse, so refusals stay the full parse’s', () => {
    for (const line of [
      '{"id":1,"method":"mining.submit","params":["u","1","00000000","6500000a"]}', // 4 params
      '{"id":1,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd","0","x"]}', // 7
      '{"id":1,"method":"mining.submit","params":["u","1","00000000","6500000a",1]}', // a number
      '{"id":01,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]}', // not JSON
      '{"id":-1,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]}',
      '{"id":1,"id":2,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]}', // id twice
      '{"id":1,"method":"mining.submit","params":["u\\n","1","00000000","6500000a","0000abcd"]}', // an escape
      '{"id":1,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"],"worker":"w"}',
      '{"id":1,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]} x', // trailing
      '{"id":1,"method":"mining.authorize","params":["u","p","x","y","z"]}',
      '{"id":1,"method":"mining.submit","params":["u","1","00000000","6500000a","0000abcd"]',
    ]) {
      expect(parseSubmitLine(line)).toBeUndefined();
    }
  });

  it('never gives other than the full parse on random submit-shaped lines', () => {
    fc.assert(fc.property(LINE, agrees), { numRuns: 3000 });
  });

  it('never gives other than the full parse on mutated lines (JSON refused, or another request)', () => {
    fc.assert(fc.property(MUTATED, agrees), { numRuns: 5000 });
  });

  it('never takes an arbitrary string the full parse refuses', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), agrees), { numRuns: 2000 });
  });

  it('takes a good share of the generated lines, so the properties above test the shortcut and not only deferral', () => {
    const taken = fc.sample(LINE, { numRuns: 2000, seed: 18 }).filter((l) => parseSubmitLine(l) !== undefined);
    expect(taken.length).toBeGreaterThan(600);
    // Every shaped line is taken: the shortcut does not quietly defer what it is meant to read.
    for (const line of fc.sample(SHAPED, { numRuns: 500, seed: 18 })) expect(parseSubmitLine(line)).toBeDefined();
  });
});
