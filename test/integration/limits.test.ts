import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { normaliseLanguage } from '../../shared/domain/language.ts';
import { documentedStatuses } from '../helpers/documented.ts';
import { PHONE_COUNTRIES } from '../../shared/domain/countries.ts';

/** Bounds a user could hit: each is a clear 4xx naming the field, never a 500 or an ever-growing item. */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
const TENANT = 'limits-shop';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant, MAX_CATALOGUE_TAGS } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  // A catalogue one short of full.
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, tags: Array.from({ length: MAX_CATALOGUE_TAGS - 1 }, (_, i) => `Tag ${i}`) }));
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
});

describe('the tag catalogue', () => {
  it('takes tags up to its bound, then refuses with 409 naming the field; an existing tag is still fine', async () => {
    expect((await call('POST', '/v1/tags', { key: sk, body: { name: 'Last one' } })).status).toBe(201);
    const full = await call('POST', '/v1/tags', { key: sk, body: { name: 'One too many' } });
    expect(full.status).toBe(409);
    expect(full.headers['content-type']).toBe('application/problem+json');
    expect(full.body.errors).toEqual([{ path: 'name', message: 'the catalogue is full' }]);
    expect((await call('POST', '/v1/tags', { key: sk, body: { name: 'tag 3' } })).status).toBeLessThan(300);
    expect((await call('GET', '/v1/tags', { key: sk })).body.items).not.toContain('One too many');
  });
});

describe('validation answers', () => {
  it('stay small for a huge invalid body: at most 20 errors, each path once', async () => {
    const body = { email: 'x', ...Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`k${i}`, 'v'])) };
    const res = await call('POST', '/v1/customers', { key: sk, body });
    expect(res.status).toBe(400);
    expect(res.body.errors.length).toBeLessThanOrEqual(20);
    expect(new Set(res.body.errors.map((e: { path: string }) => e.path)).size).toBe(res.body.errors.length);
    expect(JSON.stringify(res.body).length).toBeLessThan(2000);
  });
});

describe('numbers in the query string', () => {
  it('an empty one (`?minSpent=`) is a 400 problem naming the field, not a filter on 0', async () => {
    for (const url of ['/v1/customers?minSpent=', '/v1/customers?maxVisits=&limit=5', '/v1/customers?minAge=%20']) {
      const res = await call('GET', url, { key: sk });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      const field = /[?&](\w+)=(&|%20|$)/.exec(url)![1];
      expect(res.body.errors).toEqual([{ path: field, message: 'must be a number, not empty' }]);
    }
    expect((await call('GET', '/v1/customers?minSpent=0&limit=5', { key: sk })).status).toBe(200);
  });

  it('the insights numbers (`?minSupport=`, `?minConfidence=`, `?days=`, `?limit=0x10`) are a 400 problem naming the parameter, not 0 or 16', async () => {
    for (const [url, path, message] of [
      ['/v1/insights/rules?minSupport=', 'minSupport', 'must be a number, not empty'],
      ['/v1/insights/rules?minConfidence=%20', 'minConfidence', 'must be a number, not empty'],
      ['/v1/insights/also-bought?sku=A&minSupport=', 'minSupport', 'must be a number, not empty'],
      ['/v1/insights/forecast?days=', 'days', 'must be a number, not empty'],
      ['/v1/insights/rules?limit=0x10', 'limit', 'must be a number'],
      ['/v1/insights/forecast?days=Infinity', 'days', 'must be a number'],
    ] as const) {
      const res = await call('GET', url, { key: sk });
      expect(res.status, url).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors, url).toEqual([{ path, message }]);
    }
    // Given as numbers, they are read (nothing computed yet: an empty page, not an error).
    expect((await call('GET', '/v1/insights/rules?minSupport=0.05&minConfidence=.5&limit=10', { key: sk })).status).toBe(200);
  });

  it('a JSON filter with null, false, [] or a hex string for a number is a 400 naming the field (they were read as 0, or 16)', async () => {
    for (const value of [null, false, [], '0x10']) {
      const res = await call('POST', '/v1/segments', { key: sk, body: { name: 'big spenders', filter: { minSpent: value } } });
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'filter.minSpent', message: 'must be a number' }]);
    }
  });
});

describe('cursors', () => {
  it('a cursor of another tenant, another list, altered or garbage is a 400 naming cursor, never a 500', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    await ensureTenant(stores().tenants, 'limits-other');
    const other = (await issueKey(stores().tenants, 'limits-other', 'secret')).key;
    for (let i = 0; i < 3; i++) await call('POST', '/v1/customers', { key: sk, body: { email: `cursor.${i}@example.it` } });
    const first = await call('GET', '/v1/customers?limit=1', { key: sk });
    const cursor = first.body.nextCursor as string;
    expect(cursor).toBeTruthy();
    expect((await call('GET', `/v1/customers?limit=1&cursor=${cursor}`, { key: sk })).status).toBe(200);
    const raw = JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...raw, p: raw.p.map(() => ({ pk: 'T#limits-other#C#x', sk: 'PROFILE' })) })).toString('base64url');
    for (const [key, url] of [
      [other, `/v1/customers?limit=1&cursor=${cursor}`],
      [sk, `/v1/customers?limit=1&sort=lastName&cursor=${cursor}`],
      [sk, `/v1/audit?cursor=${cursor}`],
      [sk, `/v1/customers?limit=1&cursor=${cursor.slice(0, -4)}AAAA`],
      [sk, `/v1/customers?limit=1&cursor=${forged}`],
      [sk, '/v1/customers?cursor=%00%ff'],
      // A listing key of the right tenant with an extra or a foreign attribute.
      [sk, `/v1/imports?cursor=${Buffer.from(JSON.stringify({ l: 'imports', t: TENANT, p: { gsi4pk: `T#${TENANT}#IMPORTS`, gsi4sk: 'x', pk: 'T#x', sk: 'JOB' } })).toString('base64url')}`],
      [sk, `/v1/imports?cursor=${Buffer.from(JSON.stringify({ l: 'imports', t: TENANT, p: { gsi4pk: `T#${TENANT}#IMPORTS`, gsi4sk: 'x' } })).toString('base64url')}`],
    ] as const) {
      const res = await call('GET', url, { key });
      expect(res.status, url).toBe(400);
      expect(res.body.errors[0].path, url).toBe('cursor');
    }
  });
});

describe('signed cursors', () => {
  const reencode = (cursor: string, change: (env: { l: string; t: string; p: unknown }) => unknown) => {
    const [body] = cursor.split('.');
    const env = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'));
    return Buffer.from(JSON.stringify(change(env))).toString('base64url');
  };

  it('a cursor whose position was rewritten to another valid place of the same list is refused (400 naming cursor)', async () => {
    for (let i = 0; i < 4; i++) await call('POST', '/v1/customers', { key: sk, body: { email: `signed.${i}@example.it` } });
    const first = await call('GET', '/v1/customers?limit=1', { key: sk });
    const cursor = first.body.nextCursor as string;
    // Every shard set back to its start: a position the list itself could have produced, just not this one.
    const rewound = reencode(cursor, (env) => ({ ...env, p: (env.p as unknown[]).map(() => null) }));
    const res = await call('GET', `/v1/customers?limit=1&cursor=${rewound}`, { key: sk });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.errors[0].path).toBe('cursor');
    // The signature of one cursor does not carry over to another body.
    const [, mac] = cursor.split('.');
    if (mac) expect((await call('GET', `/v1/customers?limit=1&cursor=${rewound}.${mac}`, { key: sk })).status).toBe(400);
  });

  it('a hand-made cursor of the right tenant and list, pointing at a real job, is refused', async () => {
    const jobs = [];
    for (let i = 0; i < 2; i++) jobs.push((await call('POST', '/v1/imports', { key: sk, body: { fileName: `f${i}.csv` } })).body);
    const listing = await call('GET', '/v1/imports?limit=1', { key: sk });
    expect(listing.status).toBe(200);
    const cursor = listing.body.nextCursor as string;
    expect(cursor).toBeTruthy();
    expect((await call('GET', `/v1/imports?limit=1&cursor=${cursor}`, { key: sk })).status).toBe(200);
    const handMade = reencode(cursor, (env) => env);
    const res = await call('GET', `/v1/imports?limit=1&cursor=${handMade}`, { key: sk });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('cursor');
  });

  it('a cursor of another tenant, even with its signature, is refused', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    await ensureTenant(stores().tenants, 'limits-signed-other');
    const other = (await issueKey(stores().tenants, 'limits-signed-other', 'secret')).key;
    for (let i = 0; i < 2; i++) await call('POST', '/v1/customers', { key: other, body: { email: `theirs.${i}@example.it` } });
    const theirs = (await call('GET', '/v1/customers?limit=1', { key: other })).body.nextCursor as string;
    const res = await call('GET', `/v1/customers?limit=1&cursor=${theirs}`, { key: sk });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'cursor', message: 'is not a cursor of this customer list (it must come from nextCursor of the same request: same sort, order and filters)' }]);
  });
});

describe('filter value lists', () => {
  const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  /**
   * `n` languages clientela knows, each its own code (a filter's language values are read as a card's are, and
   * an unknown one is a 400): three-letter codes, the longest a resolved filter compares.
   */
  const knownLanguages = (n: number) => {
    const codes: string[] = [];
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    for (const a of letters) for (const b of letters) for (const c of letters) if (codes.length < n && normaliseLanguage(a + b + c) === a + b + c) codes.push(a + b + c);
    expect(codes).toHaveLength(n);
    return codes;
  };

  it('a list, a segment and an export with more than 100 values of one field are a 400 naming the field', async () => {
    const consent = many(150, () => 'granted').join(',');
    const language = many(300, (i) => `x${i}`).join(',');
    for (const [url, field] of [
      [`/v1/customers?consent=${consent}`, 'consent'],
      [`/v1/customers?language=${language}`, 'language'],
    ] as const) {
      const res = await call('GET', url, { key: sk });
      expect(res.status, field).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    const segment = await call('POST', '/v1/segments', { key: sk, body: { name: 'Too many', filter: { language: many(2000, (i) => `l${i}`) } } });
    expect(segment.status).toBe(400);
    expect(segment.body.errors).toContainEqual({ path: 'filter.language', message: 'at most 100 values' });
    const exp = await call('POST', '/v1/exports', { key: sk, body: { filter: { consent: many(150, () => 'granted') } } });
    expect(exp.status).toBe(400);
    expect(exp.body.errors).toContainEqual({ path: 'filter.consent', message: 'at most 100 values' });
  });

  it('100 values of a field is fine everywhere, and so is the largest filter the limits allow', async () => {
    const language = knownLanguages(100);
    const listed = await call('GET', `/v1/customers?language=${language.join(',')}`, { key: sk });
    expect(listed.status).toBe(200);
    const saved = await call('POST', '/v1/segments', { key: sk, body: { name: 'Hundred', filter: { language } } });
    expect(saved.status).toBe(201);
    expect((await call('GET', `/v1/segments/${saved.body.id}`, { key: sk })).status).toBe(200);
    expect((await call('GET', `/v1/segments/${saved.body.id}/customers`, { key: sk })).status).toBe(200);
    // The longest expression the limits allow: 100 languages (two comparisons each) and every other field. A
    // language is compared as its code (the value as written, `aaa-Latn-…`, is read down to it).
    const rest =
      'firstContactFrom=P1Y&firstContactTo=2030-01-01&lastContactFrom=P1Y&lastContactTo=2030-01-01&minSpent=0&maxSpent=9&minVisits=0&maxVisits=9' +
      '&minNoShows=0&q=xyz&postalCode=00100&minAge=1&maxAge=99&birthMonth=3&atRisk=true&minPAlive=0&maxPAlive=1&minClv=0&maxClv=9';
    for (const sort of ['firstContactAt', 'lastContactAt', 'lastName', 'totalSpent']) {
      expect((await call('GET', `/v1/customers?sort=${sort}&language=${language.map((l) => `${l}-Latn-${'x'.repeat(8)}-${'y'.repeat(8)}`).join(',')}&${rest}`, { key: sk })).status, sort).toBe(200);
    }
    // `bought` compiles to one contains() per SKU, longer than an IN operand: 100 SKUs and every other field too.
    const bought = many(100, (i) => `SKU-${i}-${'y'.repeat(60)}`);
    expect((await call('GET', `/v1/customers?bought=${bought.join(',')}&${rest}`, { key: sk })).status).toBe(200);
    const boughtSegment = await call('POST', '/v1/segments', { key: sk, body: { name: 'Bought', filter: { bought } } });
    expect(boughtSegment.status).toBe(201);
    expect((await call('GET', `/v1/segments/${boughtSegment.body.id}/customers`, { key: sk })).status).toBe(200);
  });

  it('all the lists of a filter together name at most 100 values: the field that goes over is named', async () => {
    const res = await call('GET', `/v1/customers?language=${knownLanguages(60).join(',')}&tags=${many(60, (i) => `t${i}`).join(',')}`, { key: sk });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('tags');
    const seg = await call('POST', '/v1/segments', { key: sk, body: { name: 'Over', filter: { city: many(70, (i) => `c${i}`), country: PHONE_COUNTRIES.slice(0, 40) } } });
    expect(seg.status).toBe(400);
    expect(seg.body.errors[0].path).toBe('filter.country');
  });

  it('a stored segment over the limits (saved before them) answers a clear 409 naming the field, never a 500', async () => {
    const { segmentExportStores } = await import('../../shared/http/stores.ts');
    const at = new Date().toISOString();
    const id = 'OVERSIZED1';
    await segmentExportStores().segments.create(TENANT, { id, name: 'Old', filter: { language: many(2000, (i) => `o${i}`) }, createdAt: at, updatedAt: at });
    for (const [method, url, body] of [
      ['GET', `/v1/segments/${id}`, undefined],
      ['GET', `/v1/segments/${id}/customers`, undefined],
      ['POST', '/v1/exports', { segmentId: id }],
    ] as const) {
      const res = await call(method, url, { key: sk, body });
      expect(res.status, url).toBe(409);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors[0].path, url).toBe('filter.language');
      // …and the OpenAPI document says these routes may answer it.
      expect(documentedStatuses(method, url), `${method} ${url}`).toContain(409);
    }
    // It can still be listed, replaced with a filter within the limits, and then used.
    expect((await call('GET', '/v1/segments?limit=100', { key: sk })).body.items.map((s: { id: string }) => s.id)).toContain(id);
    expect((await call('PUT', `/v1/segments/${id}`, { key: sk, body: { name: 'Old', filter: { language: ['it'] } } })).status).toBe(200);
    expect((await call('GET', `/v1/segments/${id}`, { key: sk })).status).toBe(200);
  });
});

describe('card size', () => {
  const attrs = (n: number, len: number, prefix = 'a') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'x'.repeat(len)]));

  it('POST with custom attributes that would pass the item limit is a 400 naming attributes; nothing is written', async () => {
    const res = await call('POST', '/v1/customers', { key: sk, body: { email: 'huge@example.it', attributes: attrs(2000, 300) } });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.errors[0].path).toBe('attributes');
    expect((await call('GET', '/v1/customers?q=huge@example.it', { key: sk })).body.items).toEqual([]);
    // Too many, even if small; and too big in bytes, even if few (multi-byte characters count as bytes).
    expect((await call('POST', '/v1/customers', { key: sk, body: { email: 'many@example.it', attributes: attrs(201, 1) } })).body.errors[0].path).toBe('attributes');
    const wide = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`w${i}`, '€'.repeat(1000)]));
    expect((await call('POST', '/v1/customers', { key: sk, body: { email: 'wide@example.it', attributes: wide } })).body.errors[0].path).toBe('attributes');
  });

  it('PATCHes that each add a little cannot grow a card past the limits: the one going over is a 400', async () => {
    const created = await call('POST', '/v1/customers', { key: sk, body: { email: 'grower@example.it', attributes: attrs(150, 400, 'a') } });
    expect(created.status).toBe(201);
    const next = await call('PATCH', `/v1/customers/${created.body.id}`, { key: sk, body: { attributes: attrs(60, 400, 'b') } });
    expect(next.status).toBe(400);
    expect(next.body.errors[0].path).toBe('attributes');
    // Removing some makes room again: the limit is on the card, not on the request.
    const trimmed = await call('PATCH', `/v1/customers/${created.body.id}`, { key: sk, body: { attributes: { ...Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`a${i}`, null])), ...attrs(60, 400, 'b') } } });
    expect(trimmed.status).toBe(200);
    expect(Object.keys(trimmed.body.attributes)).toHaveLength(150);
  });

  it('an import row whose card would be too big is rejected with a reason in the report; the rows around it are imported', async () => {
    const { PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const { s3Client } = await import('../../shared/clients.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    const { ensureTenant } = await import('../../shared/domain/tenants.ts');
    const { handler } = await import('../../functions/imports/import-csv.handler.ts');
    const tenant = 'limits-import';
    await ensureTenant(stores().tenants, tenant);
    const columns = Array.from({ length: 2000 }, (_, i) => `col${i}`);
    const csv = [
      ['email', ...columns].join(','),
      ['before@example.it', ...columns.map(() => '')].join(','),
      ['huge.row@example.it', ...columns.map(() => 'y'.repeat(300))].join(','),
      ['after@example.it', ...columns.map((_, i) => (i < 3 ? 'ok' : ''))].join(','),
    ].join('\n');
    const key = `imports/${tenant}/wide.csv`;
    const put = await s3Client().send(new PutObjectCommand({ Bucket: process.env.IMPORT_BUCKET!, Key: key, Body: csv }));
    await handler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: process.env.IMPORT_BUCKET! }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as never);
    const [job] = (await stores().imports.list(tenant, 10)).items;
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 3, created: 2, rejected: 1 } });
    expect(await stores().customers.findIdByEmail(tenant, 'after@example.it')).toBeTruthy();
    expect(await stores().customers.findIdByEmail(tenant, 'huge.row@example.it')).toBeUndefined();
    const report = await (await s3Client().send(new GetObjectCommand({ Bucket: process.env.IMPORT_BUCKET!, Key: job!.reportKey! }))).Body!.transformToString();
    expect(report).toMatch(/^3,.*the customer would be too big: attributes/m);
  });
});

describe('bounded reads', () => {
  it('a list page reads at most its budget per shard, answers what it found with a nextCursor, and the pages together are the whole list in order', async () => {
    const { dynamo } = await import('../../shared/clients.ts');
    const { dynamoCustomerStore } = await import('../../shared/store/customer.store.ts');
    const { blankCustomer } = await import('../../shared/domain/customer.schema.ts');
    const { resolveFilter } = await import('../../shared/domain/customer-filter.ts');
    const { ulid } = await import('ulid');
    const tenant = 'limits-bounded';
    const table = process.env.TABLE_NAME!;
    const full = dynamoCustomerStore(dynamo(), table);
    const base = Date.parse('2026-01-01T00:00:00Z');
    const writes = [];
    for (let i = 0; i < 90; i++) {
      const at = new Date(base + ((i * 7919) % 90) * 3_600_000).toISOString();
      const c = { ...blankCustomer(ulid(), at, at), email: `b${i}@example.it`, lastName: `Name ${(i * 31) % 90}`, tags: i % 9 === 0 ? ['Rare'] : [] };
      c.stats = { ...c.stats, totalSpent: (i * 37) % 500 };
      c.lastContactAt = new Date(base + ((i * 13) % 90) * 86_400_000).toISOString();
      writes.push(full.create(tenant, c));
    }
    await Promise.all(writes);

    let scanned = 0;
    const db = dynamo();
    const counting = { send: async (cmd: Parameters<typeof db.send>[0]) => {
      const res = (await db.send(cmd as never)) as { ScannedCount?: number };
      scanned += res.ScannedCount ?? 0;
      return res;
    } } as unknown as typeof db;
    const budget = 3;
    const bounded = dynamoCustomerStore(counting, table, { readBudgetPerShard: budget });

    const walk = async (store: typeof full, query: { filter: ReturnType<typeof resolveFilter>; sort: 'firstContactAt' | 'lastContactAt' | 'lastName' | 'totalSpent'; order: 'asc' | 'desc'; limit: number }) => {
      const ids: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      let short = 0;
      do {
        scanned = 0;
        const page = await store.list(tenant, { ...query, cursor });
        if (store === bounded) expect(scanned, 'entries read by one page').toBeLessThanOrEqual(8 * budget);
        if (page.items.length < query.limit && page.nextCursor) short++;
        ids.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor && pages < 500);
      return { ids, short };
    };

    const filters = { everyone: {}, rare: { tags: ['Rare'] }, nobody: { tags: ['Nobody'] } };
    for (const [name, filter] of Object.entries(filters)) {
      for (const sort of ['firstContactAt', 'lastContactAt', 'lastName', 'totalSpent'] as const) {
        for (const order of ['asc', 'desc'] as const) {
          const query = { filter: resolveFilter(filter, { timeZone: 'Europe/Rome', now: new Date() }), sort, order, limit: 7 };
          const expected = await walk(full, query);
          const got = await walk(bounded, query);
          expect(got.ids, `${name} ${sort} ${order}`).toEqual(expected.ids);
          // A filter that matches nobody: the first pages are empty, with a cursor to go on, instead of one long read.
          if (name === 'nobody') expect(got.short).toBeGreaterThan(0);
        }
      }
    }
    expect((await walk(full, { filter: {}, sort: 'lastName', order: 'asc', limit: 100 })).ids).toHaveLength(90);
  });
});

describe('segment member counts', () => {
  it('GET counts once and answers that count with its time for a while; a changed segment or refresh=true counts again', async () => {
    const { segmentExportStores, stores } = await import('../../shared/http/stores.ts');
    const { getSegmentWithCount, SEGMENT_COUNT_MAX_AGE_MINUTES } = await import('../../shared/segments/segments.ts');
    const segments = segmentExportStores().segments;
    let counts = 0;
    const counting = { ...segments, getWithCount: segments.getWithCount, saveCount: segments.saveCount, countMembers: async (...args: Parameters<typeof segments.countMembers>) => {
      counts++;
      return segments.countMembers(...args);
    } };
    const tenant = (await stores().tenants.getTenant(TENANT))!;
    let clock = new Date('2030-01-01T10:00:00Z');
    const ctx = { segments: counting, customers: stores().customers, tenant, actor: { keyId: 'k' }, now: () => clock };
    const seg = await call('POST', '/v1/segments', { key: sk, body: { name: 'Counted', filter: { tags: ['Tag 7'] } } });
    expect(seg.status).toBe(201);

    const first = await getSegmentWithCount(ctx, seg.body.id);
    expect(first).toMatchObject({ memberCount: 0, countedAt: clock.toISOString() });
    await call('POST', '/v1/customers', { key: sk, body: { email: 'counted@example.it', tags: ['Tag 7'] } });
    clock = new Date(clock.getTime() + (SEGMENT_COUNT_MAX_AGE_MINUTES - 1) * 60_000);
    expect(await getSegmentWithCount(ctx, seg.body.id)).toMatchObject({ memberCount: 0, countedAt: first.countedAt });
    expect(counts).toBe(1);
    // Older than the bound: counted again.
    clock = new Date(clock.getTime() + 2 * 60_000);
    expect(await getSegmentWithCount(ctx, seg.body.id)).toMatchObject({ memberCount: 1, countedAt: clock.toISOString() });
    expect(counts).toBe(2);
    // Asked for: counted now.
    expect(await getSegmentWithCount(ctx, seg.body.id, { refresh: true })).toMatchObject({ memberCount: 1 });
    expect(counts).toBe(3);
    // Replaced: the stored count was of the old filter.
    await call('PUT', `/v1/segments/${seg.body.id}`, { key: sk, body: { name: 'Counted', filter: { tags: ['Nobody'] } } });
    expect(await getSegmentWithCount(ctx, seg.body.id)).toMatchObject({ memberCount: 0 });
    expect(counts).toBe(4);
    // The count is not part of the segment in other answers.
    const listed = (await call('GET', '/v1/segments?limit=100', { key: sk })).body.items.find((s: { id: string }) => s.id === seg.body.id);
    expect(listed).not.toHaveProperty('memberCount');
    expect((await call('GET', `/v1/segments/${seg.body.id}?refresh=maybe`, { key: sk })).status).toBe(400);
  });
});
