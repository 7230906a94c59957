import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HttpResponse,
  HttpResponseError,
  type HttpResponseLimits,
  HttpResponseParser,
} from '../../../adapters/rpc/http1-response.js';

const ascii = (s: string) => Buffer.from(s, 'latin1');

/** Feeds `bytes` cut at `cuts` (sorted offsets); the response, or the error thrown. */
function parseCut(bytes: Buffer, cuts: number[], limits?: HttpResponseLimits): HttpResponse | Error {
  const p = new HttpResponseParser(limits);
  let at = 0;
  let response: HttpResponse | undefined;
  try {
    for (const cut of [...cuts, bytes.length]) {
      response = p.push(bytes.subarray(at, cut)) ?? response;
      at = cut;
    }
    return response ?? new Error('incomplete');
  } catch (err) {
    return err as Error;
  }
}

function parse(text: string): HttpResponse | Error {
  return parseCut(ascii(text), []);
}

const lengthAnswer = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

function chunked(body: Buffer, sizes: number[], extension: boolean, trailer: boolean): Buffer {
  const parts: Buffer[] = [ascii('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')];
  let at = 0;
  for (const size of sizes) {
    if (at >= body.length) break;
    const piece = body.subarray(at, at + size);
    at += piece.length;
    parts.push(ascii(`${piece.length.toString(16)}${extension ? ';x=1' : ''}\r\n`), piece, ascii('\r\n'));
  }
  if (at < body.length) parts.push(ascii(`${(body.length - at).toString(16)}\r\n`), body.subarray(at), ascii('\r\n'));
  parts.push(ascii(`0\r\n${trailer ? 'X-Checksum: abc\r\n' : ''}\r\n`));
  return Buffer.concat(parts);
}

describe('HttpResponseParser framing', () => {
  it('reads a Content-Length answer split at every byte boundary, and one byte at a time', () => {
    const body = '{"result":null,"error":null,"id":7}';
    const bytes = ascii(lengthAnswer(body));
    for (let i = 0; i <= bytes.length; i++) {
      const r = parseCut(bytes, [i]) as HttpResponse;
      expect(r.body.toString()).toBe(body);
      expect([r.status, r.keepAlive]).toEqual([200, true]);
    }
    const oneByOne = parseCut(
      bytes,
      Array.from({ length: bytes.length }, (_, i) => i),
    ) as HttpResponse;
    expect(oneByOne.body.toString()).toBe(body);
  });

  it('reads a chunked answer (any chunk sizes, extensions, trailers) cut anywhere as the same body', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 70 }), { maxLength: 10 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        (raw, sizes, extension, trailer, cutSeeds) => {
          const body = Buffer.from(raw);
          const bytes = chunked(body, sizes, extension, trailer);
          const cuts = [...new Set(cutSeeds.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const r = parseCut(bytes, cuts) as HttpResponse;
          expect(r).not.toBeInstanceOf(Error);
          expect(r.body.equals(body)).toBe(true);
          expect(r.keepAlive).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a chunked answer split at every byte boundary', () => {
    const body = ascii('{"result":"inconclusive","error":null,"id":1}');
    const bytes = chunked(body, [5, 11, 3], true, true);
    for (let i = 0; i <= bytes.length; i++) {
      expect((parseCut(bytes, [i]) as HttpResponse).body.equals(body)).toBe(true);
    }
  });

  it('skips 1xx answers before the response proper', () => {
    const r = parse(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n${lengthAnswer('{}')}`);
    expect((r as HttpResponse).body.toString()).toBe('{}');
  });

  it('keeps the connection only for HTTP/1.1 without Connection: close and with a framed body', () => {
    expect((parse(lengthAnswer('{}', 'Connection: keep-alive\r\n')) as HttpResponse).keepAlive).toBe(true);
    expect((parse(lengthAnswer('{}', 'Connection: Close\r\n')) as HttpResponse).keepAlive).toBe(false);
    expect((parse(lengthAnswer('{}').replace('HTTP/1.1', 'HTTP/1.0')) as HttpResponse).keepAlive).toBe(false);
    // Framed by the close: complete only at the end, and the connection is spent.
    const p = new HttpResponseParser();
    expect(p.push(ascii('HTTP/1.0 200 OK\r\n\r\n{"result":'))).toBeUndefined();
    expect(p.push(ascii('1}'))).toBeUndefined();
    expect(p.end()).toMatchObject({ status: 200, keepAlive: false });
    expect(p.end().body.toString()).toBe('{"result":1}');
  });

  it('answers 204 and 304 without a body, and counts bytes after a complete answer as trailing', () => {
    expect(parse('HTTP/1.1 204 No Content\r\n\r\n')).toMatchObject({ status: 204, keepAlive: true });
    const p = new HttpResponseParser();
    const r = p.push(ascii(`${lengthAnswer('{}')}HTTP/1.1 200 OK\r\n`));
    expect(r?.body.toString()).toBe('{}');
    expect(p.trailing).toBe('HTTP/1.1 200 OK\r\n'.length);
    p.push(ascii('x'));
    expect(p.trailing).toBe('HTTP/1.1 200 OK\r\n'.length + 1);
  });

  it('says an answer cut short by the close is incomplete', () => {
    const p = new HttpResponseParser();
    p.push(ascii(lengthAnswer('{"result":null}').slice(0, -3)));
    expect(() => p.end()).toThrow(/closed mid-answer/);
    expect(() => new HttpResponseParser().end()).toThrow(/closed unanswered/);
  });
});

describe('HttpResponseParser refusals', () => {
  const refused: Array<[string, string, RegExp]> = [
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', /not an HTTP\/1.x status line/],
    ['HTTP/2', 'HTTP/2 200\r\n\r\n', /status line/],
    ['a status out of range', 'HTTP/1.1 700 Odd\r\nContent-Length: 0\r\n\r\n', /status line/],
    ['a protocol switch', 'HTTP/1.1 101 Switching Protocols\r\n\r\n', /protocol switch/],
    ['a bare LF', 'HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n', /CRLF/],
    ['a bare CR', 'HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n', /bare CR/],
    ['a folded header', 'HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n', /folded/],
    ['a header without a colon', 'HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\n{}', /malformed header/],
    ['a control character', 'HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n', /control character in x/],
    ['a negative length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /Content-Length/],
    ['a length in hex', 'HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n', /Content-Length/],
    ['two lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}', /Content-Length/],
    ['a length list', 'HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n{}', /Content-Length/],
    [
      'both framings',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
      /both/,
    ],
    ['gzip', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', /transfer coding/],
    ['chunked on HTTP/1.0', 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', /transfer coding/],
    ['a chunk size not in hex', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk size/],
    [
      'a chunk longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}x\r\n0\r\n\r\n',
      /longer than its size/,
    ],
    ['a body on 204', 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello', /body on 204/],
  ];
  for (const [what, text, why] of refused) {
    it(`refuses ${what}, whatever the cuts`, () => {
      const bytes = ascii(text);
      for (let i = 0; i <= bytes.length; i++) {
        const r = parseCut(bytes, [i]);
        expect(r).toBeInstanceOf(HttpResponseError);
        expect((r as Error).message).toMatch(why);
      }
    });
  }

  it('bounds the head and the body', () => {
    const limits = { maxHeadBytes: 256, maxBodyBytes: 1024 };
    const longHeader = `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(300)}\r\nContent-Length: 0\r\n\r\n`;
    expect(parseCut(ascii(longHeader), [], limits)).toMatchObject({ message: /headers too long/ });
    // A line without its end is bounded too (nothing buffers without limit).
    expect(parseCut(ascii(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(300)}`), [], limits)).toMatchObject({
      message: /headers too long/,
    });
    expect(parseCut(ascii(lengthAnswer('x'.repeat(1025))), [], limits)).toMatchObject({ message: /body too large/ });
    expect(parseCut(chunked(Buffer.alloc(1025), [512], false, false), [], limits)).toMatchObject({
      message: /body too large/,
    });
    const toClose = Buffer.concat([ascii('HTTP/1.0 200 OK\r\n\r\n'), Buffer.alloc(1025)]);
    expect(parseCut(toClose, [], limits)).toMatchObject({ message: /body too large/ });
  });

  it('never fails but with HttpResponseError on any bytes, cut anywhere', () => {
    const valid = ascii(lengthAnswer('{"result":null}'));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
          // A valid answer with one byte changed: the near misses a fuzzer finds first.
          fc
            .tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 }))
            .map(([at, byte]) => Buffer.from(valid).fill(byte, at, at + 1)),
        ),
        fc.array(fc.nat(), { maxLength: 4 }),
        (bytes, cutSeeds) => {
          const cuts = [...new Set(cutSeeds.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const r = parseCut(bytes, cuts);
          if (r instanceof Error && r.message !== 'incomplete') expect(r).toBeInstanceOf(HttpResponseError);
          // Whatever it is, cutting elsewhere changes nothing.
          const whole = parseCut(bytes, []);
          if (r instanceof HttpResponseError) expect(whole).toBeInstanceOf(HttpResponseError);
          else if (!(r instanceof Error)) expect((whole as HttpResponse).body.equals(r.body)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
