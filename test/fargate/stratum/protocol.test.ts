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
  throw new Error('expected a ProtocolError');
}

describe('parseRequest', () => {
  it('reads id, method and params', () => {
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
  });

  it('rejects what is not a request, echoing the id when it could be read', () => {
    expect(protocolError('not json').message).toMatch(/Parse error/);
    expect(protocolError('[1,2]').message).toMatch(/not an object/);
    expect(protocolError('{"id":{},"method":"m"}').message).toMatch(/bad id/);
    expect(protocolError('{"id":7,"params":[]}')).toMatchObject({
      id: 7,
      message: expect.stringMatching(/missing method/),
    });
    expect(protocolError('{"id":8,"method":"m","params":{}}')).toMatchObject({ id: 8 });
    expect(protocolError(`{"id":1,"method":"m","params":${'['.repeat(20)}${']'.repeat(20)}}`).message).toMatch(
      /nested deeper/,
    );
  });

  it('does not count brackets inside strings as nesting', () => {
    expect(parseRequest(`{"id":1,"method":"m","params":["${'['.repeat(50)}"]}`).params).toHaveLength(1);
  });
});

describe('encoding', () => {
  it('writes results, error triples and notifications as single lines', () => {
    expect(encodeResult(4, true)).toBe('{"id":4,"result":true,"error":null}\n');
    expect(encodeError(4, 23, 'low difficulty share')).toBe(
      '{"id":4,"result":null,"error":[23,"low difficulty share",null]}\n',
    );
    expect(encodeNotification('mining.set_difficulty', [2])).toBe(
      '{"id":null,"method":"mining.set_difficulty","params":[2]}\n',
    );
  });
});
