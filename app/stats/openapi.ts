import { z } from 'zod';
import { namedSchemas } from './schema.js';

/**
 * The stats API as an OpenAPI 3.1 document (served at /api/openapi.json). The schemas are generated from the zod
 * schemas the tests check real answers against, so the document cannot drift from the router; only the paths are
 * written here.
 */

type Named = keyof typeof namedSchemas;

const ref = (name: Named) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: Named, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});

const coin = {
  name: 'coin',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'coin symbol, e.g. LTC',
};
const address = {
  name: 'address',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'payout address',
};
const limit = {
  name: 'limit',
  in: 'query',
  required: false,
  schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
};
const badRequest = json('Error', 'invalid input: unknown coin, invalid address or limit');
const hours = (fallback: number) => ({
  name: 'hours',
  in: 'query',
  required: false,
  schema: { type: 'integer', enum: [3, 24, 168], default: fallback },
});

function get(summary: string, parameters: object[], ok: object, cacheSeconds: number, more: object = {}) {
  return {
    get: {
      summary,
      parameters,
      responses: {
        '200': {
          ...ok,
          headers: {
            'cache-control': { schema: { type: 'string' }, description: `public, max-age=${cacheSeconds}` },
          },
        },
        '400': badRequest,
        ...more,
      },
    },
  };
}

/**
 * A miner's signed change (POST): the request body's schema, what a success answers, and the refusals every signed
 * change shares (403: not the mining address's signature, stale or replayed; 409: a newer change won the race).
 */
function signedPost(summary: string, parameters: object[], body: Named, ok: object, more: object = {}) {
  return {
    post: {
      summary,
      parameters,
      requestBody: { required: true, content: { 'application/json': { schema: ref(body) } } },
      responses: {
        '200': ok,
        '400': badRequest,
        '403': json('Error', 'the signature is not by the mining address’s key, or the message is stale or replayed'),
        '409': json('Error', 'a newer change was stored meanwhile'),
        ...more,
      },
    },
  };
}

function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(namedSchemas)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  // Components are referenced by $ref; their own $schema/$id would only repeat the dialect and the path.
  return Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema]));
}

const spreadsheet = (type: string) => ({ description: 'rewards and payments, newest first', content: { [type]: {} } });

export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'edgepool stats API',
      version: '1',
      description:
        'Pool, miner, block and payment statistics (read-only), a miner’s signed payout-currency choice and aux payout address (merged mining), auto-switching ports. Amounts are decimal strings of base units.',
    },
    paths: {
      '/api/pools': get('every coin of the pool', [], json('Pools', 'pool statistics per coin'), 10),
      '/api/pools/{coin}': get('one coin', [coin], json('PoolDetail', 'pool statistics of the coin'), 10),
      '/api/pools/{coin}/history': get(
        'the pool hashrate over 3 hours, 24 hours or 7 days',
        [coin, hours(24)],
        json('PoolHistory', 'hashrate points, oldest first'),
        60,
      ),
      '/api/pools/{coin}/blocks': get('blocks found, newest first', [coin, limit], json('Blocks', 'blocks'), 30),
      '/api/pools/{coin}/payments': get('payouts, newest first', [coin, limit], json('Payments', 'payments'), 30),
      '/api/pools/{coin}/miners/{address}': get('one miner', [coin, address], json('Miner', 'the miner page'), 10),
      '/api/pools/{coin}/miners/{address}/export.csv': {
        get: {
          summary: 'a miner’s rewards and payments as RFC 4180 CSV',
          parameters: [coin, address],
          responses: { '200': spreadsheet('text/csv'), '400': badRequest },
        },
      },
      '/api/pools/{coin}/miners/{address}/export.xlsx': {
        get: {
          summary: 'the same as an XLSX workbook',
          parameters: [coin, address],
          responses: {
            '200': spreadsheet('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
            '400': badRequest,
          },
        },
      },
      '/api/pools/{coin}/miners/{address}/conversion': {
        ...get(
          'the miner’s payout currency, quotes and the message to sign to change it',
          [coin, address],
          json('ConversionView', 'payout currency'),
          0,
        ),
        ...signedPost(
          'change the payout currency: only with a signature by the mining address’s key',
          [coin, address],
          'ConversionChange',
          json('ConversionChanged', 'the stored preference'),
        ),
      },
      '/api/pools/{coin}/miners/{address}/payout-address': {
        ...get(
          'merged mining: the mining address’s payout address on an aux coin, and the message to sign to change it',
          [
            { ...coin, description: 'an aux (merge-mined) coin symbol, e.g. DOGE' },
            { ...address, description: 'the mining address: an address of the aux coin’s parent (e.g. LTC)' },
          ],
          json('AuxAddressView', 'the aux payout address (null: not set, rewards accrue until one is set)'),
          0,
        ),
        ...signedPost(
          'set the aux payout address: only with a signature by the mining address’s key',
          [coin, address],
          'AuxAddressChange',
          json('AuxAddressChanged', 'the stored address'),
          { '404': json('Error', 'the coin is not merge-mined on this pool') },
        ),
      },
      '/api/switching': get(
        'auto-switching ports: the coin each mines now and the profitability table it chooses by',
        [],
        json('SwitchingPorts', 'every switching port of the pool (none: the pool has none)'),
        10,
      ),
      '/api/switching/{name}/history': get(
        'a switching port’s switches over 3 hours, 24 hours or 7 days, newest first',
        [
          { name: 'name', in: 'path', required: true, schema: { type: 'string' }, description: 'the port’s name' },
          hours(24),
          limit,
        ],
        json('SwitchingHistory', 'the switches and the coin mined now'),
        30,
        { '404': json('Error', 'no switching port of that name') },
      ),
      '/api/openapi.json': { get: { summary: 'this document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: { schemas: componentSchemas() },
  };
}
