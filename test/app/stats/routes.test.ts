import { describe, expect, it } from 'vitest';
import { type ApiDeps, handleApi } from '../../../app/stats/api.js';
import { ConversionOffError, PreferenceConflictError } from '../../../app/stats/conversion.js';
import { httpStatusOf } from '../../../app/stats/http-errors.js';
import { SignatureNotAuthorizedError } from '../../../core/coins/signed-request.js';
import { BadRequestError, InvalidAddressError, NotFoundError, StorageError } from '../../../core/errors.js';
import { ADDRESS } from '../../fargate/stratum/fakes.js';
import { TEST_POOL } from './helpers.js';

/** Routes that answer before reading storage: any storage call fails the test. */
const unreachable = new Proxy({}, { get: () => () => Promise.reject(new Error('storage was read')) });
const deps = { pool: TEST_POOL, now: () => 0, money: unreachable } as unknown as ApiDeps;
const request = (method: string, path: string, body?: string) =>
  handleApi({ method, path, query: new URLSearchParams(), ...(body === undefined ? {} : { body }) }, deps);

describe('stats API routes', () => {
  it('answers a path no route has with 404, whatever the method', async () => {
    for (const path of ['/api/nope', '/api/pools/LTC/nope', `/api/pools/LTC/miners/${ADDRESS}/export.txt`, '/api']) {
      for (const method of ['GET', 'POST']) {
        const res = await request(method, path);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(JSON.parse(res.body).error).toBe(`no API route ${path}`);
      }
    }
  });

  it('answers a known path asked with a method it lacks with 405 and the methods it takes in Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await request(method, '/api/pools');
      expect(res.status, method).toBe(405);
      expect(res.headers.allow).toBe('GET');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(res.body).error).toBe(`${method} is not allowed on /api/pools: use GET`);
    }
    expect((await request('DELETE', '/api/pools/LTC/blocks')).headers.allow).toBe('GET');
    // A path with a read and a write names both (the signed payout currency change).
    const both = await request('PUT', `/api/pools/LTC/miners/${ADDRESS}/conversion`);
    expect(both.status).toBe(405);
    expect(both.headers.allow).toBe('GET, POST');
  });

  it('checks the path coin and miner address in the route, before any storage read', async () => {
    expect((await request('GET', '/api/pools/XYZ/blocks')).status).toBe(400);
    expect((await request('GET', '/api/pools/LTC/miners/nope/conversion')).status).toBe(400);
    expect((await request('GET', '/api/pools/%ZZ')).status).toBe(400);
  });

  it('answers a conversion change on a pool without conversion 404, a malformed body 400', async () => {
    const path = `/api/pools/LTC/miners/${ADDRESS}/conversion`;
    expect((await request('POST', path, '{}')).status).toBe(404);
    const withConversion = {
      ...deps,
      conversion: { configs: new Map([['LTC', { targets: [] }]]), store: unreachable },
    } as unknown as ApiDeps;
    const res = await handleApi(
      { method: 'POST', path, query: new URLSearchParams(), body: 'not json' },
      withConversion,
    );
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatch(/^expected JSON \{currency, address, time, signature\}/);
  });
});

describe('httpStatusOf: the one error → HTTP table', () => {
  it('maps the errors a request may cause, and no other', () => {
    expect(httpStatusOf(new BadRequestError('x'))).toBe(400);
    expect(httpStatusOf(new InvalidAddressError('x'))).toBe(400);
    expect(httpStatusOf(new SignatureNotAuthorizedError('x'))).toBe(403);
    expect(httpStatusOf(new NotFoundError('x'))).toBe(404);
    expect(httpStatusOf(new ConversionOffError('LTC'))).toBe(404);
    expect(httpStatusOf(new PreferenceConflictError('x'))).toBe(409);
    // The server's own failures are not the request's: rethrown, a 500.
    expect(httpStatusOf(new StorageError('x'))).toBeUndefined();
    expect(httpStatusOf(new Error('x'))).toBeUndefined();
  });
});
