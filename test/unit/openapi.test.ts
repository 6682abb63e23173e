import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../shared/http/openapi.ts';
import { ROUTES } from '../../shared/routes.ts';
import { CreateCustomerSchema, UpdateCustomerSchema } from '../../shared/domain/customer-fields.schema.ts';
import { call } from '../helpers/invoke.ts';
import { REPO_ROOT } from '../../infra/paths.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the test walks the generated JSON */
type Operation = { operationId: string; security?: unknown[]; parameters?: { in: string; name: string }[]; requestBody?: any; responses: Record<string, any> };

describe('OpenAPI document', () => {
  const doc = openApiDocument() as any;
  const operations: [string, Operation][] = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([p, ops]) =>
    Object.entries(ops).map(([m, op]) => [`${m.toUpperCase()} ${p}`, op] as [string, Operation]),
  );
  const op = (id: string) => operations.find(([key]) => key === id)![1];
  const resolve = (node: any) => (node?.$ref ? node.$ref.split('/').slice(1).reduce((o: any, k: string) => o[k], doc) : node);

  it('is OpenAPI 3.1 and describes every route of the route table, and nothing else', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(operations.map(([key]) => key).sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('has a summary written for every route', () => {
    for (const route of ROUTES) expect(route.summary.length, route.name).toBeGreaterThan(10);
    for (const [key, o] of operations) expect((o as any).summary, key).toBeTruthy();
  });

  it('generates the customer body from the same zod schema the handler validates with', () => {
    // The row holds the handler's schema object itself, not a copy.
    expect(ROUTES.find((r) => r.name === 'CreateCustomer')!.body).toBe(CreateCustomerSchema);
    expect(ROUTES.find((r) => r.name === 'UpdateCustomer')!.body).toBe(UpdateCustomerSchema);
    const schema = resolve(op('POST /v1/customers').requestBody.content['application/json'].schema);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['firstName', 'email', 'phone', 'consent', 'tags']));
  });

  it('publishes the shared schemas as components, and paths refer to them', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['Customer', 'CustomerCard', 'CustomerFields', 'Problem', 'Segment', 'Export', 'Import', 'ApiKey', 'Settings', 'AuditEntry', 'HistoryEntry', 'ConsentEntry', 'Filter', 'EventRequest']),
    );
    const json = (status: string, id: string) => op(id).responses[status].content['application/json'].schema;
    expect(json('200', 'GET /v1/customers/{id}')).toEqual({ $ref: '#/components/schemas/CustomerCard' });
    expect(json('200', 'GET /v1/customers')).toEqual({ $ref: '#/components/schemas/CustomerPage' });
    expect(doc.components.schemas.CustomerPage.properties.items.items).toEqual({ $ref: '#/components/schemas/Customer' });
    expect(json('200', 'GET /v1/segments/{id}')).toEqual({ $ref: '#/components/schemas/SegmentWithCount' });
    expect(json('200', 'GET /v1/exports/{id}')).toEqual({ $ref: '#/components/schemas/Export' });
    expect(json('200', 'GET /v1/imports/{id}')).toEqual({ $ref: '#/components/schemas/Import' });
    expect(json('200', 'GET /v1/settings')).toEqual({ $ref: '#/components/schemas/Settings' });
    expect(doc.components.schemas.Segment.properties.filter).toEqual({ $ref: '#/components/schemas/Filter' });
    // No path spells a customer out: `provenance` is a property of Customer only.
    expect(JSON.stringify(doc.paths)).not.toContain('provenance');
  });

  describe('errors', () => {
    const errorCodes = (o: Operation) => Object.keys(o.responses).filter((c) => /^[45]\d\d$/.test(c)).map(Number);
    const keyed = (o: Operation) => (o.security ?? []).length > 0;
    const hasIdInPath = (key: string) => /\{\w+\}/.test(key);
    const takesInput = (o: Operation) => !!o.requestBody || (o.parameters ?? []).some((p) => p.in === 'query');

    it('every error answer is application/problem+json with the Problem schema (link pages may also answer a page)', () => {
      for (const [key, o] of operations) {
        for (const code of [...errorCodes(o), 'default']) {
          const response = resolve(o.responses[code]);
          expect(response?.content?.['application/problem+json']?.schema, `${key} ${code}`).toEqual({ $ref: '#/components/schemas/Problem' });
          expect(Object.keys(response.content).filter((t) => t !== 'application/problem+json'), `${key} ${code}`).toEqual(
            ['/v1/consent/confirm', '/v1/unsubscribe'].some((p) => key.endsWith(p)) && code !== 'default' && code !== 413 ? ['text/html'] : [],
          );
        }
      }
    });

    it('400 wherever there is input, 401 and 403 wherever a key is needed, 404 wherever the path names something, 413 wherever there is a body', () => {
      for (const [key, o] of operations) {
        const codes = errorCodes(o);
        if (takesInput(o)) expect(codes, key).toContain(400);
        if (keyed(o)) expect(codes, key).toEqual(expect.arrayContaining([401, 403]));
        else expect(codes, key).not.toContain(401);
        if (hasIdInPath(key)) expect(codes, key).toContain(404);
        if (o.requestBody) expect(codes, key).toContain(413);
      }
    });

    it('415 wherever the body is JSON (a form or no content-type is refused), never where it is a form', () => {
      let json = 0;
      for (const [key, o] of operations) {
        const types = Object.keys(o.requestBody?.content ?? {});
        if (types.includes('application/json')) {
          json++;
          expect(errorCodes(o), key).toContain(415);
          expect(resolve(o.responses[415]).description, key).toContain('content-type: application/json');
        } else expect(errorCodes(o), key).not.toContain(415);
      }
      expect(json).toBeGreaterThan(10);
      for (const form of ['POST /v1/unsubscribe', 'POST /v1/consent/confirm']) expect(Object.keys(op(form).requestBody.content), form).toEqual(['application/x-www-form-urlencoded']);
    });

    it('409, 412 and 429 exactly where they happen (written out by hand from the use cases)', () => {
      const conflicts = [
        'POST /v1/customers', // the email or phone belongs to a customer or an erased person
        'PATCH /v1/customers/{id}',
        'POST /v1/customers/{id}/merge',
        'DELETE /v1/customers/{id}', // erasure raced by writers
        'POST /v1/customers/{id}/unsubscribe-link', // the customer was merged into another (`mergedInto`)
        'DELETE /v1/customers',
        'POST /v1/events', // many events for one person at once
        'POST /v1/consent/confirm', // its sign-up answered otherwise since, or a newer one mailed (nothing written)
        'GET /v1/consent/confirm', // the same, said by its page
        'POST /v1/unsubscribe',
        'POST /v1/tags', // the tenant item kept changing
        'DELETE /v1/tags/{tag}',
        'PATCH /v1/settings',
        'DELETE /v1/imports/{id}', // not completed, a dry run
        'POST /v1/insights/recompute', // one already pending or running for the tenant
        'POST /v1/exports', // its Idempotency-Key sent with another request, or its first request still under way; or its segment's stored filter is over today's limits
        'GET /v1/segments/{id}', // its stored filter is over today's limits (saved before them)
        'GET /v1/segments/{id}/customers',
      ];
      expect(operations.filter(([, o]) => errorCodes(o).includes(409)).map(([key]) => key).sort()).toEqual(conflicts.sort());
      expect(operations.filter(([, o]) => errorCodes(o).includes(412)).map(([key]) => key)).toEqual(['PATCH /v1/customers/{id}']);
      // Every keyed route: fair use per tenant (shared/domain/rate-limit.ts); POST /v1/events also per address and key.
      const keyed = ROUTES.filter((r) => r.scope !== 'public').map((r) => `${r.method} ${r.path}`);
      expect(operations.filter(([, o]) => errorCodes(o).includes(429)).map(([key]) => key).sort()).toEqual(keyed.sort());
      expect(resolve(op('POST /v1/events').responses['429']).headers['Retry-After']).toBeDefined();
      expect(resolve(op('GET /v1/customers').responses['429']).headers['Retry-After']).toBeDefined();
      expect(op('PATCH /v1/customers/{id}').parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'If-Match' })]));
    });

    it('301 on every read of a customer that follows a merge (written out by hand from the handlers), and on no other route', () => {
      const follows = [
        'GET /v1/customers/{id}',
        'GET /v1/customers/{id}/history',
        'GET /v1/customers/{id}/consents',
        'GET /v1/customers/{id}/export',
        'GET /v1/customers/{id}/duplicates',
        'GET /v1/customers/{id}/recommendations',
      ];
      expect(operations.filter(([, o]) => '301' in o.responses).map(([key]) => key).sort()).toEqual(follows.sort());
      for (const key of follows) expect(resolve(op(key).responses['301']).headers.Location, key).toBeDefined();
    });

    it('the public routes without input answer no client error; the other public routes say which', () => {
      expect(errorCodes(op('GET /v1/health'))).toEqual([]);
      expect(errorCodes(op('GET /v1/openapi.json'))).toEqual([]);
      expect(errorCodes(op('OPTIONS /v1/events'))).toEqual([400, 403]);
      expect(errorCodes(op('GET /v1/unsubscribe'))).toEqual([400]);
    });
  });

  it('is served by GET /v1/openapi.json', async () => {
    const res = await call('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it(
    'passes Redocly lint (recommended rules, redocly.yaml) with no error and no warning',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'clientela-openapi-'));
      try {
        const file = path.join(dir, 'openapi.json');
        await writeFile(file, JSON.stringify(doc, null, 2));
        const cli = path.join(REPO_ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
        const args = [cli, 'lint', file, '--config', path.join(REPO_ROOT, 'redocly.yaml'), '--format', 'json'];
        const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
        // Exits non-zero when it finds errors; the JSON report on stdout says which either way.
        const stdout = await promisify(execFile)(process.execPath, args, { env, cwd: dir, maxBuffer: 16 * 1024 * 1024 }).then(
          (r) => r.stdout,
          (e: { stdout?: string }) => e.stdout ?? '',
        );
        const report = JSON.parse(stdout) as { problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] };
        expect(report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`)).toEqual([]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
