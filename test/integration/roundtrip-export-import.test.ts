import { beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import type { S3Event } from 'aws-lambda';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { call } from '../helpers/invoke.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { blankCustomer, emptyStats, type Customer } from '../../shared/domain/customer.schema.ts';
import type { PartResult, PlanOutput } from '../../shared/exports/export-steps.ts';

/**
 * Round trip (issue 5): a segment exported as CSV through the export workflow's steps, the file put under
 * `imports/{otherTenant}/` and imported by the S3-triggered worker into an empty tenant; the customers are
 * then compared field by field. Everything runs against DynamoDB Local and s3rver.
 */
let env: LocalEnv;
let exportTask: (e: { step: never; input: unknown }) => Promise<unknown>;
let importWorker: (e: S3Event) => Promise<void>;
let h: {
  stores: typeof import('../../shared/http/stores.ts').stores;
  tenants: typeof import('../../shared/domain/tenants.ts');
  cardItem: typeof import('../../shared/store/entities.ts').cardEntity.item;
};

beforeAll(async () => {
  env = await useLocalEnv();
  exportTask = (await import('../../functions/exports/export-task.handler.ts')).handler as never;
  importWorker = (await import('../../functions/imports/import-csv.handler.ts')).handler;
  h = {
    stores: (await import('../../shared/http/stores.ts')).stores,
    tenants: await import('../../shared/domain/tenants.ts'),
    cardItem: (await import('../../shared/store/entities.ts')).cardEntity.item,
  };
  // POST /v1/exports starts the workflow through this port; the test runs the steps itself.
  (await import('../../shared/workflows.ts')).setWorkflowStarter(async (input) => ({
    executionArn: `arn:aws:states:local:000000000000:execution:test:${(input as { exportId: string }).exportId}`,
    startDate: new Date().toISOString(),
  }));
});

function customer(over: Partial<Customer>): Customer {
  const at = '2025-05-01T18:30:00.000Z';
  return { ...blankCustomer(ulid(), at, at), version: 3, ...over };
}

const PEOPLE: Customer[] = [
  customer({
    // Tag names a Mailchimp import brings (a quote), or POST /v1/tags takes, that a tags cell could split or change
    // (a separator, Google's ` ::: `, a leading `* `): each comes back as one tag, as it was. `Yoga, Pilates` is a
    // name an older import made (no tag holds a comma now: the list's filters split on it): it comes back as one
    // tag, `Yoga / Pilates`, with a warning.
    firstName: 'Niccolò', lastName: 'Dell’Acqua', email: 'nicco+news@example.it', phone: '+393331234567', language: 'it', city: 'Forlì',
    tags: ['VIP', 'Local', 'Yoga, Pilates', 'Sala "blu"; terrazza', 'Corsi ::: sera', '* Preferiti', 'Pranzo|Cena'],
    postalCode: '00184', country: 'IT', birthDate: '1985-02-28', gender: 'male', consent: { newsletter: 'granted', updatedAt: '2025-05-01T18:30:00.000Z', source: 'api' },
    stats: { ...emptyStats(), totalSpent: 123456, bookings: 4 }, lastContactAt: '2026-01-15T20:00:00.000Z',
    attributes: { Allergie: 'glutine; lattosio', 'Tavolo preferito': '12', Azienda: '=Rossi & C. "srl"' },
  }),
  customer({
    firstName: '=HYPERLINK("http://evil.example","x")', lastName: '-Rossi', email: 'evil@example.com', notes: '+1 first line\nsecond; with , and "quotes"',
    consent: { newsletter: 'denied', updatedAt: '2025-06-01T08:00:00.000Z', source: 'booking.created' }, tags: ['Regular'],
  }),
  customer({ firstName: "'Nduja", lastName: '@home', phone: '+41791234567', language: 'de', country: 'CH', tags: ['Local'], gender: 'female', city: 'Zürich', attributes: { 'Tavolo preferito': 'terrazza\nvista lago' } }),
  customer({ firstName: 'Zoë', lastName: 'Müller-Lüdenscheidt', email: 'zoe@example.de', language: 'en', tags: ['VIP'], notes: 'Tavolo vicino alla finestra; niente glutine', birthDate: '2000-12-31' }),
  // Asked to subscribe, not yet confirmed (double opt-in): comes back pending, not unknown.
  customer({ firstName: 'Piera', lastName: 'Pendente', email: 'piera@example.it', tags: ['Local'], consent: { newsletter: 'pending', updatedAt: '2025-07-01T10:00:00.000Z', source: 'event' } }),
  ...Array.from({ length: 25 }, (_, i) =>
    customer({
      firstName: `Cliente${i}`, lastName: 'Bianchi', email: `c${i}@example.it`, phone: i % 2 ? `+3934712345${String(i).padStart(2, '0')}` : null, tags: ['Regular'],
      consent: { newsletter: i % 3 ? 'granted' : 'unknown', updatedAt: null, source: null }, stats: { ...emptyStats(), totalSpent: i * 1050 },
      firstContactAt: new Date(Date.UTC(2025, 0, 1 + i, 12)).toISOString(), lastContactAt: new Date(Date.UTC(2025, 6, 1 + i, 12)).toISOString(),
    }),
  ),
];
/** Not in the segment (no tag): must not travel. */
const OUTSIDER = customer({ firstName: 'Fuori', email: 'outside@example.it' });

/** Tag names as an import saves them: a comma becomes ` / ` (`Yoga, Pilates` → `Yoga / Pilates`). */
const withoutCommas = (tags: readonly string[]) => tags.map((t) => t.replace(/\s*,\s*/g, ' / '));

/** What a user compares between the two lists: everything the card shows but ids, timestamps of the
 * record itself, consent provenance and stats that come from events (only the spend travels). */
const visible = (c: Customer) => ({
  firstName: c.firstName, lastName: c.lastName, email: c.email, phone: c.phone, language: c.language, consent: c.consent.newsletter, tags: [...c.tags].sort(),
  birthDate: c.birthDate, gender: c.gender, city: c.city, postalCode: c.postalCode, country: c.country, notes: c.notes,
  firstContactAt: c.firstContactAt, lastContactAt: c.lastContactAt, totalSpent: c.stats.totalSpent, attributes: c.attributes,
});

async function roundTrip(language: 'en' | 'it', delimiter: ',' | ';') {
  const source = `rt-src-${language}-${Date.now().toString(36)}`;
  const target = `rt-dst-${language}-${Date.now().toString(36)}`;
  await h.tenants.ensureTenant(h.stores().tenants, source);
  await h.tenants.ensureTenant(h.stores().tenants, target);
  await h.tenants.updateSettings(h.stores().tenants, source, { language });
  const key = (await h.tenants.issueKey(h.stores().tenants, source, 'secret')).key;
  const items = [...PEOPLE, OUTSIDER].map((c) => ({ PutRequest: { Item: h.cardItem(source, c) } }));
  for (let i = 0; i < items.length; i += 25) await env.db.send(new BatchWriteCommand({ RequestItems: { [process.env.TABLE_NAME!]: items.slice(i, i + 25) } }));

  // Export a saved segment through the workflow's steps, as Step Functions runs them.
  const segment = await call('POST', '/v1/segments', { key, body: { name: 'Con etichetta', filter: { anyTags: ['VIP', 'Local', 'Regular'] } } });
  expect(segment.status).toBe(201);
  const started = await call('POST', '/v1/exports', { key, body: { segmentId: segment.body.id, delimiter } });
  expect(started.status).toBe(202);
  const step = (name: string, input: unknown) => exportTask({ step: name as never, input });
  const planned = (await step('plan', { tenantId: source, exportId: started.body.exportId })) as PlanOutput;
  const partResults: PartResult[] = [];
  for (const part of planned.parts) partResults.push((await step('writePart', part)) as PartResult);
  await step('record', await step('combine', { ...planned, partResults }));
  const view = (await call('GET', `/v1/exports/${started.body.exportId}`, { key })).body;
  expect(view).toMatchObject({ status: 'completed', rowCount: PEOPLE.length });
  const file = Buffer.from(await (await fetch(view.url)).arrayBuffer());

  // The file, as downloaded, dropped into the other tenant's import folder.
  const objectKey = `imports/${target}/export ${language}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: objectKey, Body: file }));
  await importWorker({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key: encodeURIComponent(objectKey).replace(/%2F/g, '/').replace(/%20/g, '+'), size: file.length, eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event);
  const [job] = (await h.stores().imports.list(target, 1)).items;
  return { job: job!, target };
}

describe.each([
  ['en', ','],
  ['it', ';'],
] as const)('export → import round trip (%s headers, "%s")', (language, delimiter) => {
  let job: Awaited<ReturnType<typeof roundTrip>>['job'];
  let target: string;
  beforeAll(async () => {
    ({ job, target } = await roundTrip(language, delimiter));
  });
  const cardOf = async (email: string) => (await h.stores().customers.getCard(target, (await h.stores().customers.findIdByEmail(target, email))!, 0))!.customer;

  it('re-creates every customer of the segment with identical fields in an empty tenant', async () => {
    // The one warning: `Yoga, Pilates` saved as `Yoga / Pilates`.
    expect(job).toMatchObject({ status: 'completed', counts: { rows: PEOPLE.length, created: PEOPLE.length, updated: 0, unchanged: 0, rejected: 0, warnings: 1 } });
    expect(job.detected).toMatchObject({ encoding: 'utf-8-bom', delimiter });
    // Each column is a field, knowingly ignored, or one of the custom attributes, under its own name.
    expect(Object.values(job.detected!.columns).filter((t) => t.startsWith('attributes.')).sort()).toEqual(['attributes.Allergie', 'attributes.Azienda', 'attributes.Tavolo preferito']);

    const { customers } = h.stores();
    for (const person of PEOPLE) {
      const id = person.email ? await customers.findIdByEmail(target, person.email) : await customers.findIdByPhone(target, person.phone!);
      expect(id, `${person.email ?? person.phone} was imported`).toBeDefined();
      const imported = (await customers.getCard(target, id!, 0))!.customer;
      expect(visible(imported)).toEqual({ ...visible(person), tags: withoutCommas(person.tags).sort() });
      // The proof of consent travels: the card keeps the date the export states, not the re-import's time.
      if (person.consent.updatedAt) expect(imported.consent.updatedAt, `${person.email}'s consent date`).toBe(person.consent.updatedAt);
    }
    expect(await customers.findIdByEmail(target, OUTSIDER.email!)).toBeUndefined();
  });

  it('brings back each tag whose name holds a quote or a separator as that one tag, in the card and the catalogue (a comma as ` / `)', async () => {
    const nicco = PEOPLE[0]!;
    expect((await cardOf(nicco.email!)).tags.sort()).toEqual(withoutCommas(nicco.tags).sort());
    const catalogue = (await h.tenants.getTenant(h.stores().tenants, target)).tags;
    for (const tag of ['Yoga / Pilates', 'Sala "blu"; terrazza', 'Corsi ::: sera', '* Preferiti', 'Pranzo|Cena']) expect(catalogue).toContain(tag);
    for (const piece of ['Yoga, Pilates', 'Yoga', 'Pilates', 'Sala "blu"', 'terrazza', 'Corsi', 'sera', 'Pranzo', 'Cena']) expect(catalogue).not.toContain(piece);
    expect(job.newTags.sort()).toEqual(['* Preferiti', 'Corsi ::: sera', 'Pranzo|Cena', 'Sala "blu"; terrazza', 'Yoga / Pilates']);
  });

  it("states in the consent ledger how the consent was given, as the file says; the card's source is the import", async () => {
    const ledgerOf = async (email: string) =>
      (await (await import('../../shared/http/stores.ts')).privacyStores().privacy.consents(target, (await h.stores().customers.findIdByEmail(target, email))!, 10))!.items;
    expect(await ledgerOf('nicco+news@example.it')).toEqual([
      expect.objectContaining({
        status: 'granted',
        source: { type: 'import', importId: job.id, stated: 'granted', statedAt: '2025-05-01T18:30:00.000Z', statedBy: language === 'en' ? 'Consent updated at' : 'Consenso aggiornato il', statedSource: 'api' },
      }),
    ]);
    expect(await ledgerOf('evil@example.com')).toEqual([expect.objectContaining({ status: 'denied', source: expect.objectContaining({ type: 'import', importId: job.id, stated: 'denied', statedSource: 'booking.created' }) })]);
    expect(await ledgerOf('piera@example.it')).toEqual([expect.objectContaining({ status: 'pending', source: expect.objectContaining({ type: 'import', stated: 'pending', statedSource: 'event' }) })]);
    // The import can vouch only for itself: the card's consent came from this import, the file's word is the ledger's.
    expect((await cardOf('nicco+news@example.it')).consent).toEqual({ newsletter: 'granted', updatedAt: '2025-05-01T18:30:00.000Z', source: 'import' });
    // The column is named in the mapping, read into the ledger rather than kept as a custom attribute.
    const label = language === 'en' ? 'Consent source' : 'Consenso raccolto tramite';
    expect(job.detected!.columns[label]).toMatch(/^consent source/);
  });
});
