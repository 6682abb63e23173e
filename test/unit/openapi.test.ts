import { describe, expect, it } from 'vitest';
import { openApiDocument, ROUTE_DOCS } from '../../shared/http/openapi.ts';
import { ROUTES } from '../../shared/routes.ts';

describe('OpenAPI document', () => {
  const doc = openApiDocument();

  it('is OpenAPI 3.1 and describes every route of the route table, and nothing else', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('has a summary written for every route', () => {
    for (const route of ROUTES) expect(ROUTE_DOCS[route.name], route.name).toBeDefined();
  });

  it('generates the customer body from the same zod schema the handler validates with', () => {
    const create = (doc.paths?.['/v1/customers'] as Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } }>).post;
    const props = create?.requestBody?.content['application/json']?.schema.properties ?? {};
    expect(Object.keys(props)).toEqual(expect.arrayContaining(['firstName', 'email', 'phone', 'consent', 'tags']));
  });
});
