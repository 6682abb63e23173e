import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFunctions } from '../../infra/constructs/bundling.ts';
import type { ClientelaFunction } from '../../infra/constructs/function.ts';
import { openApiDocument } from '../../shared/http/openapi.ts';
import { ALL_FUNCTIONS, INSIGHTS_WORKERS, ROUTES, WORKERS, WORKFLOW_WORKERS, type Access } from '../../shared/routes.ts';
import { logicalId, synthClientela, SYNTH_TIMEOUT_MS, type TemplateJson } from './support.ts';

/**
 * Who holds CURSOR_SECRET, the deployment's key that signs page cursors (shared/store/cursor.ts). On AWS a
 * function without it answers 500 the moment it signs or verifies a cursor (page 2 of a list, or page 1 of a
 * list with more), and only there: the emulators sign with a fixed development key, so no local or integration
 * test notices a function that lacks it. And every function that holds it needlessly lets whoever may read its
 * configuration sign cursors. So the stack gives it exactly to the functions whose row declares
 * `access.cursors` (shared/routes.ts, infra/access.ts), and this file holds that declaration against:
 *
 * - the template: each function's environment, both ways;
 * - the contract: a route whose OpenAPI operation takes a `cursor` or answers a `nextCursor` must hold it;
 * - the code: each function bundled as deployed (infra/constructs/bundling.ts); a function whose bundle has
 *   no code of the cursor codec cannot sign one and must not hold it, and a function whose bundle has it but
 *   holds no secret must be one read and found never to sign (NEVER_SIGNS, below).
 */

/** The codec: the one module that reads CURSOR_SECRET (`cursorKey`). */
const CODEC = 'shared/store/cursor.ts';

/**
 * Functions whose bundle carries the cursor codec although they never sign or verify a cursor, each read by
 * hand. The stores are objects (ports and adapters): a function that uses one method of a store bundles its
 * paging method too (the audit store's `list` comes with every audited write, the customer store's `list` with
 * every card write, the export store's with the export task). A function that newly bundles the codec fails
 * below until it is declared (`cursors: true` in its row: it pages) or read and listed here (it does not).
 * What to look for: a call of a store's `list`, `history` or `consents`, of `prefixPage`, or of
 * `encodeCursor`/`decodeCursor`, on any path of the handler, even one whose cursor is thrown away.
 */
const NEVER_SIGNS: Record<string, string> = {
  CreateCustomer: 'writes the card (customer store) and its audit entry',
  GetCustomer: 'the card with its newest history entries (getCard), not the paged history',
  UpdateCustomer: 'writes the card',
  MergeCustomer: 'moves history and consents with its own queries, not the paged history or ledger',
  CreateTag: 'the tenant item and an audit entry',
  DeleteTag: 'the tenant item and an audit entry (cards keep the tag: no customer list)',
  UpdateSettings: 'the tenant item and an audit entry',
  CreateKey: 'the tenant item and an audit entry',
  RevokeKey: 'the tenant item and an audit entry',
  CreateImport: 'records the job, signs an upload',
  GetImport: 'one job, signs its report link',
  IngestEvent: 'writes the event, the card, the counters',
  ConfirmConsentPage: 'reads the card and the sign-up of the link',
  ConfirmConsent: 'writes the consent of the link',
  CreateSegment: 'writes the segment',
  GetSegment: 'counts its members (a count, not the member list)',
  UpdateSegment: 'writes the segment',
  DeleteSegment: 'deletes the segment',
  CreateExport: 'records the export, starts the workflow',
  GetExport: 'one export, signs its link',
  EraseCustomer: 'erases with its own queries, not the paged lists',
  EraseCustomerByEmail: 'erases with its own queries, not the paged lists',
  ExportCustomerData: 'reads what it exports with its own queries, not the paged history or ledger',
  CreateUnsubscribeLink: 'signs a link with the privacy secret, not a cursor',
  Unsubscribe: 'checks the link',
  UnsubscribeOneClick: 'writes the consent of the link',
  ImportCsv: 'writes cards; goes on from its own continuation, not a page cursor',
  ExportTask: 'reads the customers shard by shard (shared/exports/read-shard.ts), not the paged list',
  Retention: 'erases; goes on from its own continuation (shared/privacy/retention-continuation.ts), not a page cursor',
  EndStoppedJob: 'ends an export or a recompute record',
};

let json: TemplateJson;
let functions: Record<string, ClientelaFunction>;
let dir: string;
let metafile: Metafile;

beforeAll(async () => {
  const built = synthClientela();
  json = built.json;
  functions = {
    ...built.stack.api.functions,
    [WORKERS.importCsv.name]: built.stack.importWorker.importCsv,
    [WORKERS.exportTask.name]: built.stack.exportWorkflow.exportTask,
    [WORKERS.retention.name]: built.stack.retentionWorker.retention,
    [INSIGHTS_WORKERS.insightsTask.name]: built.stack.insightsWorkflow.task,
    [INSIGHTS_WORKERS.nightly.name]: built.stack.insightsWorkflow.nightly,
    [WORKFLOW_WORKERS.endStoppedJob.name]: built.stack.stoppedJobs.endStoppedJob,
  };
  dir = mkdtempSync(path.join(tmpdir(), 'clientela-cursor-secret-test-'));
  metafile = await bundleFunctions(Object.fromEntries(ALL_FUNCTIONS.map((f) => [f.name, f.entry])), dir);
}, SYNTH_TIMEOUT_MS);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

const names = () => ALL_FUNCTIONS.map((f) => f.name);
/** The access a function's row declares: routes and WORKERS have one; the insights and workflow workers declare none. */
const declared = (name: string): Access | undefined =>
  ROUTES.find((r) => r.name === name)?.access ?? Object.values(WORKERS).find((w) => w.name === name)?.access;
const declaresCursors = (name: string) => declared(name)?.cursors === true;
const holdsSecret = (name: string) => json.Resources[logicalId(functions[name]!)]!.Properties!.Environment.Variables.CURSOR_SECRET !== undefined;
/** The function's deployed bundle has code of the cursor codec in it (what tree shaking kept). */
const bundlesCodec = (name: string) => {
  const key = Object.keys(metafile.outputs).find((k) => k.endsWith(`/${name}/index.mjs`));
  if (!key) throw new Error(`no bundle of ${name}`);
  return (metafile.outputs[key]!.inputs[CODEC]?.bytesInOutput ?? 0) > 0;
};

/** Routes whose OpenAPI operation takes a `cursor` query parameter or answers a `nextCursor` (2xx, `$ref`s followed). */
function pagingRoutes(): string[] {
  const doc = openApiDocument() as {
    paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; responses: Record<string, unknown> }>>;
    components: { schemas: Record<string, unknown> };
  };
  const hasProperty = (node: unknown, property: string, seen = new Set<string>()): boolean => {
    if (node === null || typeof node !== 'object') return false;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string') {
      if (seen.has(ref)) return false;
      seen.add(ref);
      return hasProperty(doc.components.schemas[ref.split('/').pop()!], property, seen);
    }
    const properties = (node as { properties?: unknown }).properties;
    if (properties && typeof properties === 'object' && property in properties) return true;
    return Object.values(node).some((v) => hasProperty(v, property, seen));
  };
  return ROUTES.filter((route) => {
    const op = doc.paths[route.path]![route.method.toLowerCase()]!;
    const takesCursor = (op.parameters ?? []).some((p) => p.in === 'query' && p.name === 'cursor');
    const answersCursor = Object.entries(op.responses).some(([status, answer]) => status.startsWith('2') && hasProperty(answer, 'nextCursor'));
    return takesCursor || answersCursor;
  }).map((route) => route.name);
}

describe('CURSOR_SECRET: only the functions that sign or verify page cursors hold it', () => {
  it('every deployed function is one of ALL_FUNCTIONS, and each holds the secret exactly when its row declares `cursors`', () => {
    expect(Object.keys(functions).sort()).toEqual(names().sort());
    const holding = names().filter(holdsSecret).sort();
    expect(holding).toEqual(names().filter(declaresCursors).sort());
    // Not everywhere, as it was: health and the OpenAPI document, above all, never see it.
    expect(holding).not.toContain('Health');
    expect(holding).not.toContain('OpenApi');
  });

  it('every route that takes a `cursor` or answers a `nextCursor` (its OpenAPI operation) holds it', () => {
    const paging = pagingRoutes();
    // The lists of the contract (shared/http/api-schemas.ts pages), so the check below checks something.
    expect(paging).toEqual(expect.arrayContaining(['ListCustomers', 'ListHistory', 'ListConsents', 'ListAudit', 'GetTopCustomers', 'GetInsightsRules']));
    expect(paging.filter((name) => !holdsSecret(name))).toEqual([]);
  });

  it('no function holds it whose deployed bundle has no code of the cursor codec (it could not sign one)', () => {
    expect(names().filter((name) => holdsSecret(name) && !bundlesCodec(name))).toEqual([]);
    // The check sees something: these bundles leave the codec out.
    for (const name of ['Health', 'OpenApi', 'ListTags', 'GetInsightsSummary', 'InsightsTask']) expect(bundlesCodec(name), name).toBe(false);
  });

  it('every function whose bundle has the codec but holds no secret was read and found never to sign a cursor (NEVER_SIGNS)', () => {
    const unexplained = names().filter((name) => bundlesCodec(name) && !holdsSecret(name) && !(name in NEVER_SIGNS));
    expect(unexplained, 'bundles the cursor codec: declare `cursors: true` in its row if it signs or verifies a cursor, else read it and add it to NEVER_SIGNS').toEqual([]);
    // And the list says nothing false: no function in it holds the secret or declares it; each is a function.
    for (const name of Object.keys(NEVER_SIGNS)) {
      expect(names(), name).toContain(name);
      expect(bundlesCodec(name), `${name} no longer bundles the codec: take it off NEVER_SIGNS`).toBe(true);
      expect(holdsSecret(name) || declaresCursors(name), name).toBe(false);
    }
  });
});
