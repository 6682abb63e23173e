import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunctions } from '../../infra/constructs/bundling.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';

/** A few functions bundled as deployed (FUNCTION_BUILD, one esbuild run), to read what each bundle holds. */
const FUNCTIONS = {
  Health: 'functions/meta/health.handler.ts',
  OpenApi: 'functions/meta/openapi.handler.ts',
  ListTags: 'functions/tags/list-tags.handler.ts',
  ListExports: 'functions/exports/list-exports.handler.ts',
  GetExport: 'functions/exports/get-export.handler.ts',
  ExportTask: 'functions/exports/export-task.handler.ts',
  Unsubscribe: 'functions/privacy/unsubscribe.handler.ts',
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

  it('the OpenAPI function answers the document computed while bundling, identical to the one computed at run time', async () => {
    expect(inputsOf('OpenApi').some((i) => i.includes('node_modules/zod/'))).toBe(false);
    const { handler } = (await import(pathToFileURL(path.join(dir, 'OpenApi', 'index.mjs')).href)) as {
      handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;
    };
    const res = await handler({ rawPath: '/v1/openapi.json', headers: {}, requestContext: { http: { method: 'GET' } } }, {});
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual(openApiDocument());
  });
});
