import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { generateKey, type ApiKeyRecord } from '../../shared/domain/api-key.ts';
import { newTenant, type Tenant } from '../../shared/domain/tenant.schema.ts';
import type { TenantStore } from '../../shared/store/tenant.store.ts';
import { lambdaContext } from '../../local/lambda.ts';
import { captureLogs } from '../helpers/logs.ts';

/**
 * What a log line says about the request it was written in: the API stack (shared/http/api.ts) and the
 * worker stack (shared/worker.ts), with an in-memory tenant store (and no fair-use counter) instead of DynamoDB.
 */
const tenants = new Map<string, Tenant>();
const keys = new Map<string, ApiKeyRecord>();
vi.mock('../../shared/http/stores/tenants.ts', () => ({
  tenantStore: () => ({ getTenant: async (id: string) => tenants.get(id), getApiKey: async (hash: string) => keys.get(hash) }) as Partial<TenantStore>,
}));
// Fair use is counted in DynamoDB (test/integration/fair-use.test.ts); here every request is within its limit.
vi.mock('../../shared/http/stores/rate-limits.ts', () => ({ fairUseLimiter: () => ({ admit: async () => undefined }) }));

const { api } = await import('../../shared/http/api.ts');
const { publicApi } = await import('../../shared/http/public-api.ts');
const { worker } = await import('../../shared/worker.ts');
const { logger, logTenant } = await import('../../shared/logger.ts');

function keyFor(tenantId: string): string {
  tenants.set(tenantId, newTenant(tenantId, `Shop ${tenantId}`, '2026-01-01T00:00:00.000Z'));
  const { key, hash, keyId, prefix } = generateKey('secret');
  keys.set(hash, { keyId, tenantId, kind: 'secret', prefix, createdAt: '2026-01-01T00:00:00.000Z' });
  return key;
}

const request = (key?: string) =>
  ({
    version: '2.0',
    routeKey: 'GET /v1/things',
    rawPath: '/v1/things',
    rawQueryString: '',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET', path: '/v1/things', sourceIp: '127.0.0.1' }, requestId: 'r' },
  }) as unknown as APIGatewayProxyEventV2;

// One function's handlers, as a warm Lambda would run them one after the other.
const handled = api('admin', async ({ principal }) => {
  logger.warn('handling', { tenantOfKey: principal.tenant.id });
  return { status: 200, body: {} };
});
const failing = api('admin', async () => {
  throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
});
const open = publicApi(async () => {
  logger.warn('public page');
  return { status: 200, body: {} };
});

let shopA: string;
let shopB: string;
beforeAll(() => {
  shopA = keyFor('shop-a');
  shopB = keyFor('shop-b');
});
afterEach(() => vi.restoreAllMocks());

describe('a log line written during a request', () => {
  it('carries the request id, the function name and the tenant, and the next request does not carry that tenant', async () => {
    const logs = captureLogs();
    const first = lambdaContext('clientela-GetThings');
    const second = lambdaContext('clientela-GetThings');
    const third = lambdaContext('clientela-GetThings');
    expect((await handled(request(shopA), first)).statusCode).toBe(200);
    expect((await handled(request(shopB), second)).statusCode).toBe(200);
    expect((await open(request(), third)).statusCode).toBe(200);

    const [a, b, anonymous] = logs.lines();
    expect(a).toMatchObject({ message: 'handling', tenantId: 'shop-a', tenantOfKey: 'shop-a', function_request_id: first.awsRequestId, function_name: 'clientela-GetThings' });
    expect(b).toMatchObject({ message: 'handling', tenantId: 'shop-b', function_request_id: second.awsRequestId });
    expect(anonymous).toMatchObject({ message: 'public page', function_request_id: third.awsRequestId });
    expect(anonymous).not.toHaveProperty('tenantId');
  });

  it("tags an unhandled error with the tenant and the error's name, and forgets the tenant after the failed request", async () => {
    const logs = captureLogs();
    const failed = lambdaContext('clientela-GetThings');
    expect((await failing(request(shopA), failed)).statusCode).toBe(500);
    expect((await open(request(), lambdaContext('clientela-GetThings'))).statusCode).toBe(200);

    const [error, after] = logs.lines();
    expect(error).toMatchObject({ level: 'ERROR', message: 'unhandled error', tenantId: 'shop-a', function_request_id: failed.awsRequestId, error: { name: 'ConditionalCheckFailedException' } });
    expect(after).not.toHaveProperty('tenantId');
  });

  it('answers a refused key without a tenant on the line', async () => {
    const logs = captureLogs();
    const bad = lambdaContext('clientela-GetThings');
    expect((await handled(request('sk_not-a-key-of-anyone-at-all-000000'), bad)).statusCode).toBe(401);
    expect((await open(request(), lambdaContext('clientela-GetThings'))).statusCode).toBe(200);
    expect(logs.lines().every((l) => !('tenantId' in l))).toBe(true);
  });
});

describe('a log line written by a worker', () => {
  const job = worker(async (event: { tenantId?: string }) => {
    if (event.tenantId) logTenant(event.tenantId);
    logger.warn('working');
  });

  it('carries the request id and the tenant it works for, and the next invocation starts without it', async () => {
    const logs = captureLogs();
    const first = lambdaContext('clientela-ExportTask');
    const second = lambdaContext('clientela-ExportTask');
    await job({ tenantId: 'shop-a' }, first);
    await job({}, second);
    const [a, b] = logs.lines();
    expect(a).toMatchObject({ message: 'working', tenantId: 'shop-a', function_request_id: first.awsRequestId, function_name: 'clientela-ExportTask' });
    expect(b).toMatchObject({ message: 'working', function_request_id: second.awsRequestId });
    expect(b).not.toHaveProperty('tenantId');
  });

  it('runs without a context too, as some tests call it', async () => {
    const logs = captureLogs();
    await job({ tenantId: 'shop-b' });
    expect(logs.lines()[0]).toMatchObject({ message: 'working', tenantId: 'shop-b' });
  });
});
