/**
 * The typed client is generated from the route table (`npm run client:generate`, scripts/openapi.ts) and
 * committed, so the console and the CLI build without running the generator. This check fails when a route
 * or schema changed and client/openapi.json or client/schema.d.ts were not regenerated.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLIENT_DIR, clientFiles, sortKeys } from '../../scripts/openapi.ts';
import { ClientelaError, createClientela, toClientelaError, unwrap } from '../../client/index.ts';

describe('the typed client', () => {
  it('is generated from the current route table (run `npm run client:generate` when this fails)', async () => {
    const { openapiJson, schemaDts } = await clientFiles();
    expect(readFileSync(join(CLIENT_DIR, 'openapi.json'), 'utf8'), 'client/openapi.json is stale').toBe(openapiJson);
    expect(readFileSync(join(CLIENT_DIR, 'schema.d.ts'), 'utf8'), 'client/schema.d.ts is stale').toBe(schemaDts);
    expect(schemaDts).toContain('"/v1/customers": {');
  });

  it('writes the document with its keys sorted at every level, arrays in their order', () => {
    expect(JSON.stringify(sortKeys({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 2 } }))).toBe('{"a":{"c":2,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('sends the key as a bearer token and turns a problem+json answer into a ClientelaError', async () => {
    const seen: Request[] = [];
    const api = createClientela({
      baseUrl: 'http://api.test/',
      key: 'sk_test',
      fetch: async (input) => {
        seen.push(input as Request);
        return new Response(JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Invalid query', errors: [{ path: 'query.minAge', message: 'must be a number' }] }), {
          status: 400,
          headers: { 'content-type': 'application/problem+json' },
        });
      },
    });
    const error = await unwrap(api.GET('/v1/customers', { params: { query: { minAge: 'x' as unknown as number } } })).catch((e: unknown) => e);
    expect(seen[0]!.url).toBe('http://api.test/v1/customers?minAge=x');
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer sk_test');
    expect(error).toBeInstanceOf(ClientelaError);
    expect(error).toMatchObject({ status: 400, title: 'Bad Request', detail: 'Invalid query', field: 'query.minAge' });
  });

  it('reads the field of a conflict, and says what a non-JSON error answer was', () => {
    const conflict = toClientelaError(new Response(null, { status: 409 }), { title: 'Conflict', status: 409, detail: 'taken', field: 'email', customerId: '01J' });
    expect(conflict).toMatchObject({ status: 409, field: 'email', problem: { customerId: '01J' } });
    const gateway = toClientelaError(new Response(null, { status: 502, statusText: 'Bad Gateway' }), '<html>\n<body>upstream down</body></html>');
    expect(gateway).toMatchObject({ status: 502, title: 'Bad Gateway', detail: '<html> <body>upstream down</body></html>', field: undefined });
  });
});
