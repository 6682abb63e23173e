/**
 * The typed client accepts the contract's simplest calls (test/fixtures/client/contract-calls.ts): the file
 * is type-checked here with the TypeScript compiler, under the repository's own compiler options, so a
 * generated type that asks for more than the server does (a field with a default made compulsory) fails
 * this test, not only `tsc --noEmit`. Then the calls are made against a recording fetch: the bodies go out
 * as written, the server fills in the defaults.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { createClientela } from '../../client/index.ts';
import { contractCalls } from '../fixtures/client/contract-calls.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'client', 'contract-calls.ts');

function typeErrors(file: string): string[] {
  const configPath = join(ROOT, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const program = ts.createProgram([file], options);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? `${d.file.fileName.slice(ROOT.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('the typed client and the contract', () => {
  it('type-checks the simplest calls the contract documents, and still refuses what the server refuses', () => {
    expect(typeErrors(FIXTURE)).toEqual([]);
  });

  it('sends the bodies as written: the defaults are the server’s to fill in', async () => {
    const bodies: unknown[] = [];
    const api = createClientela({
      baseUrl: 'http://api.test',
      key: 'sk_test',
      fetch: async (request) => {
        const r = request as Request;
        bodies.push(`${r.method} ${new URL(r.url).pathname} ${await r.text()}`);
        return new Response('{}', { status: 202, headers: { 'content-type': 'application/json' } });
      },
    });
    await contractCalls(api);
    expect(bodies.slice(0, 3)).toEqual([
      'POST /v1/exports {"segmentId":"seg_1"}',
      'POST /v1/exports {"filter":{"tags":"VIP"}}',
      'POST /v1/imports {}',
    ]);
    expect(bodies).toContain('POST /v1/segments {"name":"Big spenders","filter":{"minSpent":"100","birthMonth":5}}');
    expect(bodies[3]).toBe('POST /v1/events {"type":"newsletter.subscribed","eventId":"ev-1","occurredAt":"2026-05-01T10:00:00Z","customer":{"email":"ada@example.com"}}');
  });

  it('publishes what the server reads: a filter number as a number or as text; an export names a segment or a filter', () => {
    const schemas = (openApiDocument() as unknown as { components: { schemas: Record<string, { properties: Record<string, { anyOf?: { type: string }[] }>; description?: string }> } }).components.schemas;
    for (const field of ['minSpent', 'maxSpent', 'minVisits', 'maxVisits', 'minNoShows', 'minAge', 'maxAge', 'birthMonth', 'minPAlive', 'maxPAlive', 'minClv', 'maxClv']) {
      expect(schemas.Filter!.properties[field]!.anyOf?.map((s) => s.type), field).toEqual([expect.stringMatching(/^(integer|number)$/), 'string']);
    }
    expect(schemas.ExportRequest!.description).toMatch(/exactly one of segmentId or filter/);
  });
});

describe('the key the typed client sends', () => {
  const sent = async (key: string) => {
    const requests: Request[] = [];
    const api = createClientela({
      baseUrl: 'http://api.test',
      key,
      fetch: async (request) => {
        requests.push(request as Request);
        return new Response('{"accepted":true}', { status: 202, headers: { 'content-type': 'application/json' } });
      },
    });
    const event = { type: 'contact_form.submitted', eventId: 'ev-k', occurredAt: '2026-05-01T10:00:00Z', customer: { email: 'ada@example.com' }, data: { message: 'Ciao' } } as const;
    await api.POST('/v1/events', { body: event });
    const r = requests[0]!;
    return { url: new URL(r.url), authorization: r.headers.get('authorization'), body: await r.text(), contentType: r.headers.get('content-type') };
  };

  it('puts a publishable key in ?key= (a browser preflight carries no Authorization), not in a header', async () => {
    const { url, authorization, body, contentType } = await sent('pk_site');
    expect(url.pathname).toBe('/v1/events');
    expect(url.searchParams.get('key')).toBe('pk_site');
    expect(authorization).toBeNull();
    expect(JSON.parse(body)).toMatchObject({ eventId: 'ev-k' });
    expect(contentType).toBe('application/json');
  });

  it('sends a secret key as Authorization: Bearer and never in the URL', async () => {
    const { url, authorization } = await sent('sk_shop');
    expect(url.search).toBe('');
    expect(authorization).toBe('Bearer sk_shop');
  });

  it('declares ?key= on POST /v1/events in the OpenAPI document', () => {
    const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean }[] }>> };
    expect(doc.paths['/v1/events']!.post!.parameters).toContainEqual(expect.objectContaining({ in: 'query', name: 'key', required: false }));
  });
});
