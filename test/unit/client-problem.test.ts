/**
 * The typed client's error (review of 1 Dec 2026, finding 7): the members some problems add — `mergedInto`
 * (a write to a merged customer), `suppressed` (an erased person's email), `limit` (every import slot
 * taken), `customerId` (a taken email) — are typed fields of ClientelaError, not left for each caller to dig
 * out of an untyped `problem`. And, as README says, the client sends a request once: a 503 is the error,
 * with `retryAfter`.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ClientelaError, createClientela, unwrap } from '../../client/index.ts';

/** A client whose fetch answers `status` with `problem` (and the headers), counting the requests. */
function answering(status: number, problem: Record<string, unknown>, headers: Record<string, string> = {}) {
  const sent: Request[] = [];
  const api = createClientela({
    baseUrl: 'http://api.test',
    key: 'sk_test',
    fetch: async (input) => {
      sent.push(input as Request);
      return new Response(JSON.stringify(problem), { status, headers: { 'content-type': 'application/problem+json', ...headers } });
    },
  });
  return { api, sent };
}

const refusal = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ClientelaError);
  return error as ClientelaError;
};

describe('ClientelaError', () => {
  it('a write to a merged customer: mergedInto names the survivor', async () => {
    const { api } = answering(409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'Customer A was merged into B', mergedInto: '01SURVIVOR' });
    const error = await refusal(unwrap(api.PATCH('/v1/customers/{id}', { params: { path: { id: '01MERGED' } }, body: { city: 'Torino' } })));
    expect(error).toMatchObject({ status: 409, mergedInto: '01SURVIVOR', suppressed: false, limit: undefined });
    expectTypeOf(error.mergedInto).toEqualTypeOf<string | undefined>();
  });

  it('the email of an erased person: suppressed, with the field at fault', async () => {
    const { api } = answering(409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'belongs to an erased person', suppressed: true, field: 'email' });
    const error = await refusal(unwrap(api.POST('/v1/customers', { body: { firstName: 'Marco', email: 'marco@example.it' } })));
    expect(error).toMatchObject({ suppressed: true, field: 'email', mergedInto: undefined });
    expectTypeOf(error.suppressed).toEqualTypeOf<boolean>();
  });

  it('a taken email: customerId names who has it', async () => {
    const { api } = answering(409, { type: 'about:blank', title: 'Conflict', status: 409, detail: 'taken', field: 'email', customerId: '01OTHER' });
    const error = await refusal(unwrap(api.POST('/v1/customers', { body: { firstName: 'Ann', email: 'ann@example.it' } })));
    expect(error.customerId).toBe('01OTHER');
  });

  it('every import slot taken: limit and retryAfter; sent once, not retried', async () => {
    const { api, sent } = answering(429, { type: 'about:blank', title: 'Too many requests', status: 429, detail: '3 imports pending or running', limit: 3 }, { 'retry-after': '3440' });
    const error = await refusal(unwrap(api.POST('/v1/imports', { body: {} })));
    expect(error).toMatchObject({ status: 429, limit: 3, retryAfter: 3440 });
    expectTypeOf(error.limit).toEqualTypeOf<number | undefined>();
    expect(sent).toHaveLength(1);
  });

  it('a 503 is the error with its Retry-After: the client sends the request once', async () => {
    const { api, sent } = answering(503, { type: 'about:blank', title: 'Service busy', status: 503, detail: 'nothing was changed' }, { 'retry-after': '5' });
    const error = await refusal(unwrap(api.GET('/v1/customers', { params: { query: {} } })));
    expect(error).toMatchObject({ status: 503, retryAfter: 5, limit: undefined, suppressed: false });
    expect(sent).toHaveLength(1);
  });
});
