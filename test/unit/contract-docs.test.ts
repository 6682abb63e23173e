/**
 * What the published contract says where the behaviour is not obvious (the contract review): how soon a
 * revoked key stops working, that opening an unsubscribe link changes nothing, what GET /v1/openapi.json
 * answers, and that the card's model fields are absent for a small business. The OpenAPI document is read
 * as a client reads it; docs/api.md as the website developer reads it, its numbers checked against the code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../shared/http/openapi.ts';
import { MIN_PURCHASERS, MIN_REPEATERS_BGNBD, MIN_REPEATERS_GAMMA_GAMMA } from '../../shared/insights/compute.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the test walks the generated JSON */
const doc = openApiDocument() as any;
const ROOT = join(import.meta.dirname, '..', '..');
const apiMd = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
/** The route table row of `route` in docs/api.md. */
const row = (route: string) => apiMd.split('\n').find((l) => l.startsWith(`| \`${route}\``)) ?? '';
/** KEY_CACHE_SECONDS's default, as shared/config.ts reads it with nothing set. */
const keyCacheDefault = 10;

describe('the contract says', () => {
  it('a revoked key is refused within KEY_CACHE_SECONDS, in the OpenAPI of DELETE /v1/keys/{keyId} and in docs/api.md', () => {
    expect(doc.paths['/v1/keys/{keyId}'].delete.description).toContain(`KEY_CACHE_SECONDS (default ${keyCacheDefault} s)`);
    expect(apiMd).toMatch(new RegExp(`revoked key[^.]*refused within \`KEY_CACHE_SECONDS\`\\s+\\(default ${keyCacheDefault} s\\)`));
  });

  it('opening an unsubscribe link (GET) changes nothing: the route table says the POST withdraws consent', () => {
    const link = row('POST /v1/customers/{id}/unsubscribe-link');
    expect(link).toContain('GET alone changes nothing');
    expect(link).not.toMatch(/\(GET, no key\) withdraws/);
    expect(doc.paths['/v1/unsubscribe'].get.summary).toMatch(/changes nothing/);
  });

  it('GET /v1/openapi.json answers 200 application/json', () => {
    expect(Object.keys(doc.paths['/v1/openapi.json'].get.responses['200'].content ?? {})).toEqual(['application/json']);
    expect(row('GET /v1/openapi.json')).toContain('`application/json`');
  });

  it("the card's model fields are absent below the purchasers the models need, with a link to why", () => {
    const said = apiMd.replace(/\s+/g, ' ');
    expect(said).toMatch(/`pAlive`, `expectedPurchases90d`, `expectedAverageSpend` and `clv12m` are \*\*absent\*\*/);
    expect(said).toContain(`fewer than ${MIN_PURCHASERS} customers with a purchase (or fewer than ${MIN_REPEATERS_BGNBD} who came back`);
    expect(said).toContain(`also need ${MIN_REPEATERS_GAMMA_GAMMA} who came back and paid`);
    expect(said).toContain('(insights.md#when-there-are-no-predictions)');
    expect(readFileSync(join(ROOT, 'docs', 'insights.md'), 'utf8')).toMatch(/^## When there are no predictions$/m);
  });
});
