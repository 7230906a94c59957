import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeError,
  encodeNotification,
  encodeResult,
  ProtocolError,
  parseRequest,
} from '../../../fargate/src/stratum/protocol.js';

function protocolError(line: string): ProtocolError {
  try {
    parseRequest(line);
  } catch (err) {
    expect(err).toBeInstanceOf(ProtocolError);
    return err as ProtocolError;
  }
  throw new Error(`expected a ProtocolError for ${line}`);
}

describe('parseRequest', () => {
  it('reads id, method and params; a missing or null params is []', () => {
    expect(parseRequest('{"id":4,"method":"mining.submit","params":["a","b"]}')).toEqual({
      id: 4,
      method: 'mining.submit',
      params: ['a', 'b'],
    });
    expect(parseRequest('{"id":"x","method":"mining.subscribe"}')).toEqual({
      id: 'x',
      method: 'mining.subscribe',
      params: [],
    });
    expect(parseRequest('{"method":"mining.extranonce.subscribe","params":null}')).toEqual({
      id: null,
      method: 'mining.extranonce.subscribe',
      params: [],
    });
  });

  it('rejects a line that is not JSON', () => {
    expect(protocolError('not json')).toMatchObject({ id: null, message: expect.stringMatching(/Parse error/) });
    expect(protocolError('{"id":3,"method":"m"')).toMatchObject({ id: null });
  });

  it('rejects JSON that is not an object', () => {
    for (const line of ['[1,2]', 'null', '"mining.subscribe"', '42', 'true']) {
      expect(protocolError(line)).toMatchObject({ id: null, message: expect.stringMatching(/not an object/) });
    }
  });

  it('rejects an id that is not a number, string or null', () => {
    for (const id of ['{}', '[]', 'true', '[1]']) {
      expect(protocolError(`{"id":${id},"method":"m","params":[]}`).message).toMatch(/bad id/);
    }
  });

  it('rejects a missing, empty or non-string method, echoing the id', () => {
    expect(protocolError('{"id":7,"params":[]}')).toMatchObject({
      id: 7,
      message: expect.stringMatching(/missing method/),
    });
    expect(protocolError('{"id":"q","method":"","params":[]}')).toMatchObject({ id: 'q' });
    expect(protocolError('{"id":9,"method":5,"params":[]}')).toMatchObject({ id: 9 });
    expect(protocolError(`{"id":10,"method":"${'m'.repeat(65)}"}`)).toMatchObject({ id: 10 });
  });

  it('rejects params that are not an array, echoing the id', () => {
    for (const params of ['{}', '"x"', '1']) {
      expect(protocolError(`{"id":8,"method":"m","params":${params}}`)).toMatchObject({
        id: 8,
        message: expect.stringMatching(/params must be an array/),
      });
    }
  });

  it('rejects nesting deeper than 8 levels before parsing it', () => {
    const deep = (n: number) => `{"id":1,"method":"m","params":${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(parseRequest(deep(7)).params).toHaveLength(1); // 1 (object) + 7 = 8 levels
    expect(protocolError(deep(8)).message).toMatch(/nested deeper/);
    expect(protocolError(deep(10_000)).message).toMatch(/nested deeper/);
  });

  it('does not count brackets inside strings (escaped quotes included) as nesting', () => {
    expect(parseRequest(`{"id":1,"method":"m","params":["${'['.repeat(50)}"]}`).params).toHaveLength(1);
    expect(parseRequest(`{"id":1,"method":"m","params":["\\"${'{'.repeat(50)}"]}`).params).toHaveLength(1);
  });
});

describe('encoding', () => {
  it('writes a result as one line with error null', () => {
    expect(encodeResult(4, true)).toBe('{"id":4,"result":true,"error":null}\n');
    expect(encodeResult('a', [1, 'x'])).toBe('{"id":"a","result":[1,"x"],"error":null}\n');
  });

  it("answers an accepted share with exactly the general encoder's line, whatever the id", () => {
    const ids = [
      0,
      -0,
      4,
      1.5,
      -7,
      2 ** 53,
      1e21,
      1e-7,
      Number.MAX_VALUE,
      Infinity,
      -Infinity,
      NaN,
      null,
      '',
      'a"\\',
      '\u2028',
    ];
    for (const id of ids) {
      expect(encodeResult(id, true)).toBe(`${JSON.stringify({ id, result: true, error: null })}\n`);
    }
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null)), (id) => {
        expect(encodeResult(id, true)).toBe(`${JSON.stringify({ id, result: true, error: null })}\n`);
      }),
    );
  });

  it('writes an error as the [code, message, null] triple with result null', () => {
    expect(encodeError(4, 23, 'low difficulty share')).toBe(
      '{"id":4,"result":null,"error":[23,"low difficulty share",null]}\n',
    );
    expect(encodeError(null, 20, 'line\nbreak')).toBe('{"id":null,"result":null,"error":[20,"line\\nbreak",null]}\n');
  });

  it('writes a notification with id null', () => {
    expect(encodeNotification('mining.set_difficulty', [2])).toBe(
      '{"id":null,"method":"mining.set_difficulty","params":[2]}\n',
    );
  });
});
