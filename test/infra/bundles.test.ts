import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_BUILD, bundleFunctions } from '../../infra/constructs/bundling.ts';
import { REPO_ROOT } from '../../infra/paths.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';

/** A few functions bundled as deployed (FUNCTION_BUILD, one esbuild run), to read what each bundle holds. */
const FUNCTIONS = {
  Health: 'functions/meta/health.handler.ts',
  OpenApi: 'functions/meta/openapi.handler.ts',
  ListTags: 'functions/tags/list-tags.handler.ts',
  ListExports: 'functions/exports/list-exports.handler.ts',
  GetExport: 'functions/exports/get-export.handler.ts',
  CreateKey: 'functions/keys/create-key.handler.ts',
  CreateImport: 'functions/imports/create-import.handler.ts',
  GetInsightsSummary: 'functions/insights/get-summary.handler.ts',
  GetInsightsKeywords: 'functions/insights/get-keywords.handler.ts',
  InsightsTask: 'functions/insights/insights-task.handler.ts',
  ExportTask: 'functions/exports/export-task.handler.ts',
  Unsubscribe: 'functions/privacy/unsubscribe.handler.ts',
  IngestEvent: 'functions/events/ingest-event.handler.ts',
  CreateCustomer: 'functions/customers/create-customer.handler.ts',
  RequestRecompute: 'functions/insights/request-recompute.handler.ts',
};

let dir: string;
let metafile: Metafile;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'clientela-bundles-test-'));
  metafile = await bundleFunctions(FUNCTIONS, dir);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function inputsOf(name: keyof typeof FUNCTIONS): string[] {
  const key = Object.keys(metafile.outputs).find((k) => k.endsWith(`/${name}/index.mjs`))!;
  return Object.keys(metafile.outputs[key]!.inputs);
}
const sdkPackages = (name: keyof typeof FUNCTIONS) => [...new Set(inputsOf(name).flatMap((i) => /node_modules\/(@aws-sdk\/[^/]+)\//.exec(i)?.[1] ?? []))];
const clients = (name: keyof typeof FUNCTIONS) => sdkPackages(name).filter((p) => p.startsWith('@aws-sdk/client-')).sort();
const stores = (name: keyof typeof FUNCTIONS) => inputsOf(name).filter((i) => /^shared\/store\/[\w-]+\.store\.ts$/.test(i)).sort();

describe('function bundles', () => {
  it('health and OpenAPI carry no AWS SDK at all', () => {
    expect(sdkPackages('Health')).toEqual([]);
    expect(sdkPackages('OpenApi')).toEqual([]);
  });

  it("a keyed route's key check brings the tenant store, the fair-use counter and the DynamoDB client, nothing else", () => {
    expect(stores('ListTags')).toEqual(['shared/store/rate-limit.store.ts', 'shared/store/tenant.store.ts']);
    expect(clients('ListTags')).toEqual(['@aws-sdk/client-dynamodb']);
  });

  it('listing exports needs no S3; a signed download link does', () => {
    expect(clients('ListExports')).toEqual(['@aws-sdk/client-dynamodb']);
    expect(clients('GetExport')).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-s3']);
  });

  it('only functions that open tenant secrets carry the KMS client', () => {
    expect(clients('ListExports')).not.toContain('@aws-sdk/client-kms');
    expect(clients('ExportTask')).toContain('@aws-sdk/client-kms');
    expect(clients('Unsubscribe')).toContain('@aws-sdk/client-kms');
  });

  it('the card writers bundle the suppression reads only, not the erasure, retention and merge code around them', () => {
    for (const name of ['IngestEvent', 'CreateCustomer'] as const) {
      expect(stores(name), name).toContain('shared/store/suppression.store.ts');
      expect(stores(name), name).not.toContain('shared/store/privacy.store.ts');
    }
    // A shared phone's cards are read with the two reads capture makes (phone-conflicts.store.ts), not the merge store.
    expect(stores('IngestEvent')).toContain('shared/store/phone-conflicts.store.ts');
    expect(stores('IngestEvent')).not.toContain('shared/store/merge.store.ts');
  });

  it('the on-demand recompute counts its daily allowance without the capture store: DynamoDB and Step Functions only', () => {
    expect(clients('RequestRecompute')).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn']);
    expect(stores('RequestRecompute')).not.toContain('shared/store/event.store.ts');
  });

  it('the OpenAPI function answers the document computed while bundling, identical to the one computed at run time', async () => {
    expect(inputsOf('OpenApi').some((i) => i.includes('node_modules/zod/'))).toBe(false);
    const { handler } = (await import(pathToFileURL(path.join(dir, 'OpenApi', 'index.mjs')).href)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const res = await handler({ rawPath: '/v1/openapi.json', headers: {}, requestContext: { http: { method: 'GET' } } }, {});
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual(openApiDocument());
  });

  it('the key check, tags and keys build no customer or filter schema (they parse none)', () => {
    for (const name of ['ListTags', 'CreateKey'] as const) {
      expect(inputsOf(name)).not.toContain('shared/domain/customer-filter.ts');
      expect(inputsOf(name)).not.toContain('shared/domain/customer.schema.ts');
    }
  });

  it('no function carries classic zod: every schema is written with zod/mini (shared/domain/zod.ts)', () => {
    for (const name of Object.keys(FUNCTIONS) as (keyof typeof FUNCTIONS)[]) {
      expect(inputsOf(name).filter((i) => i.includes('node_modules/zod/v4/classic/')), name).toEqual([]);
    }
    // The request schemas are there, built with zod/mini.
    expect(inputsOf('CreateCustomer')).toContain('shared/domain/customer-fields.schema.ts');
    expect(inputsOf('CreateCustomer').some((i) => i.includes('node_modules/zod/v4/mini/'))).toBe(true);
  });

  it('one copy of the S3 client, the one s3-presigned-post signs with included', () => {
    expect(inputsOf('CreateImport').filter((i) => i.includes('/node_modules/@aws-sdk/client-s3/'))).toEqual([]);
    expect(inputsOf('CreateImport').some((i) => i.startsWith('node_modules/@aws-sdk/client-s3/'))).toBe(true);
  });

  it('the event function sends mail through SES with no MIME composer: the .eml outbox is left out, and throws if asked for', async () => {
    expect(clients('IngestEvent')).toEqual(['@aws-sdk/client-dynamodb', '@aws-sdk/client-kms', '@aws-sdk/client-sesv2']);
    const mailer = inputsOf('IngestEvent').filter((i) => i.includes('node_modules/nodemailer/'));
    expect(mailer.some((i) => i.includes('/mime-funcs/'))).toBe(true); // RFC 2047 words for SES
    expect(mailer.filter((i) => /\/(mail-composer|mime-node|mime-types\.js)/.test(i))).toEqual([]);

    const outfile = path.join(dir, 'outbox-probe', 'index.mjs');
    const contents = "export { outboxEmailSender } from './shared/mail/outbox-email-sender.ts';";
    await build({ ...FUNCTION_BUILD, stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts' }, outfile });
    const { outboxEmailSender } = (await import(pathToFileURL(outfile).href)) as { outboxEmailSender: (dir: string) => unknown };
    expect(() => outboxEmailSender('/tmp/outbox')).toThrow(/left out of Lambda bundles.*MAIL_FROM/);
  });

  it("reading a phone number brings the library's code and clientela's parsing metadata, not the library's own metadata", () => {
    expect(inputsOf('CreateCustomer')).toContain('shared/domain/phone-metadata.json');
    expect(inputsOf('CreateCustomer').filter((i) => /node_modules\/libphonenumber-js\/metadata\./.test(i))).toEqual([]);
  });

  it('the insights read routes leave out the model fit (@stdlib); the recompute task keeps it', () => {
    expect(inputsOf('GetInsightsSummary').some((i) => i.includes('node_modules/@stdlib/'))).toBe(false);
    expect(inputsOf('InsightsTask').some((i) => i.includes('node_modules/@stdlib/math-base-special-hyp2f1/'))).toBe(true);
  });

  it('the keywords route counts from the stored corpus without the keyword reading (stemmers, stop words, lexicon); the recompute task keeps it', () => {
    const reading = (i: string) => i.includes('node_modules/@orama/') || i === 'shared/insights/keyword-lexicon.ts' || i === 'shared/insights/keywords.ts';
    expect(inputsOf('GetInsightsKeywords').filter(reading)).toEqual([]);
    expect(inputsOf('InsightsTask').filter(reading).length).toBeGreaterThanOrEqual(3);
  });
});
