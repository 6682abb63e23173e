import { beforeAll, describe, expect, it } from 'vitest';
import { INSIGHTS_WORKERS, ROUTES, WORKERS, WORKFLOW_WORKERS } from '../../shared/routes.ts';
import type { ClientelaFunction } from '../../infra/constructs/function.ts';
import type { ClientelaStack } from '../../infra/clientela-stack.ts';
import { logicalId, resourcesOfType, roleStatements, synthClientela, SYNTH_TIMEOUT_MS, type TemplateJson } from './support.ts';

let json: TemplateJson;
let stack: ClientelaStack;
/** Our functions (every ROUTES row and WORKER) by name. */
let functions: Record<string, ClientelaFunction>;

beforeAll(() => {
  const built = synthClientela();
  json = built.json;
  stack = built.stack;
  functions = {
    ...stack.api.functions,
    [WORKERS.importCsv.name]: stack.importWorker.importCsv,
    [WORKERS.exportTask.name]: stack.exportWorkflow.exportTask,
    [WORKERS.retention.name]: stack.retentionWorker.retention,
    [INSIGHTS_WORKERS.insightsTask.name]: stack.insightsWorkflow.task,
    [INSIGHTS_WORKERS.nightly.name]: stack.insightsWorkflow.nightly,
    [WORKFLOW_WORKERS.endStoppedJob.name]: stack.stoppedJobs.endStoppedJob,
  };
}, SYNTH_TIMEOUT_MS);

const fnResource = (name: string) => json.Resources[logicalId(functions[name])];

describe('HTTP API routes (one source of truth: shared/routes.ts)', () => {
  it('has exactly one AWS::ApiGatewayV2::Route per ROUTES row', () => {
    const routeKeys = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!.RouteKey as string);
    expect(routeKeys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('routes each row to its own function', () => {
    const integrations = Object.fromEntries(resourcesOfType(json, 'AWS::ApiGatewayV2::Integration'));
    for (const route of ROUTES) {
      const [, r] = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').find(
        ([, r]) => r.Properties!.RouteKey === `${route.method} ${route.path}`,
      )!;
      const [, parts] = r.Properties!.Target['Fn::Join'];
      const integration = integrations[parts[1].Ref];
      expect(integration.Properties, route.name).toMatchObject({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [logicalId(functions[route.name]), 'Arn'] },
      });
    }
  });

  it('has no API Gateway authorizer and no API-level CORS (both are done in the functions)', () => {
    expect(resourcesOfType(json, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    for (const [, r] of resourcesOfType(json, 'AWS::ApiGatewayV2::Route')) {
      expect(r.Properties!.AuthorizationType ?? 'NONE').toBe('NONE');
    }
    const [[, api]] = resourcesOfType(json, 'AWS::ApiGatewayV2::Api');
    expect(api.Properties).toMatchObject({ ProtocolType: 'HTTP' });
    expect(api.Properties!.CorsConfiguration).toBeUndefined();
  });

  it('throttles the default stage (the dev stage\'s ceiling by default) and logs access', () => {
    const stages = resourcesOfType(json, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0][1].Properties!;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] });
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId' });
  });

  it('gives the routes a stranger can call only their share of the stage throttle (report-rtenant 4)', () => {
    const [id, stage] = resourcesOfType(json, 'AWS::ApiGatewayV2::Stage')[0]!;
    const settings = stage.Properties!.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    const anonymous = ROUTES.filter((r) => r.scope === 'public').map((r) => `${r.method} ${r.path}`);
    expect(anonymous).toContain('OPTIONS /v1/events');
    // The dev stage: 20/s, burst 40. A route without a key: a tenth; the events route (public pk_ keys): half.
    for (const key of anonymous) expect(settings[key], key).toEqual({ ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4 });
    expect(settings['POST /v1/events']).toEqual({ ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 });
    // Keyed routes keep the stage's default: a tenant's own traffic is limited per tenant, in the function.
    expect(settings['GET /v1/customers']).toBeUndefined();
    // Every route key it names exists before the stage (CloudFormation refuses settings for an unknown route).
    const routeIds = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').filter(([, r]) => settings[r.Properties!.RouteKey as string]).map(([rid]) => rid);
    expect(routeIds).toHaveLength(Object.keys(settings).length);
    for (const rid of routeIds) expect(json.Resources[id] as { DependsOn?: string[] }).toMatchObject({ DependsOn: expect.arrayContaining([rid]) });
  });
});

describe('functions', () => {
  it('exist for every route and worker, and nothing else runs Node', () => {
    const node = resourcesOfType(json, 'AWS::Lambda::Function').filter(([, f]) => String(f.Properties!.Runtime).startsWith('nodejs'));
    expect(node.map(([id]) => id).sort()).toEqual(Object.values(functions).map(logicalId).sort());
    expect(Object.keys(functions).sort()).toEqual([...ROUTES.map((r) => r.name), ...Object.values(WORKERS).map((w) => w.name), ...Object.values(INSIGHTS_WORKERS).map((w) => w.name), ...Object.values(WORKFLOW_WORKERS).map((w) => w.name)].sort());
  });

  it('run Node.js 22 on arm64, index.handler of their bundle, without --enable-source-maps (it slows every cold start)', () => {
    for (const name of Object.keys(functions)) {
      const p = fnResource(name).Properties!;
      expect(p.Runtime, name).toBe('nodejs22.x');
      expect(p.Architectures, name).toEqual(['arm64']);
      expect(p.Handler, name).toBe('index.handler');
      expect(p.Environment.Variables.NODE_OPTIONS, name).toBeUndefined();
    }
  });

  it('API functions: 512 MB, 10 s; ImportCsv: 1024 MB, 15 min', () => {
    for (const route of ROUTES) {
      expect(fnResource(route.name).Properties, route.name).toMatchObject({ MemorySize: 512, Timeout: 10 });
    }
    expect(fnResource(WORKERS.importCsv.name).Properties).toMatchObject({ MemorySize: 1024, Timeout: 900 });
  });

  it('each logs to its own log group with a retention (the dev stage\'s week by default)', () => {
    const groups = new Set<string>();
    for (const name of Object.keys(functions)) {
      const p = fnResource(name).Properties!;
      const groupId = p.LoggingConfig.LogGroup.Ref as string;
      expect(groupId, name).toBe(logicalId(functions[name].functionLogGroup));
      expect(json.Resources[groupId].Properties!.RetentionInDays, name).toBe(7);
      groups.add(groupId);
    }
    expect(groups.size).toBe(Object.keys(functions).length);
  });

  it('get the configuration shared/config.ts reads', () => {
    const ids = {
      TABLE_NAME: { Ref: logicalId(stack.stateful.table) },
      IMPORT_BUCKET: { Ref: logicalId(stack.stateful.importBucket) },
      EXPORT_BUCKET: { Ref: logicalId(stack.stateful.exportBucket) },
    };
    for (const name of Object.keys(functions)) {
      const vars = fnResource(name).Properties!.Environment.Variables;
      expect(vars, name).toMatchObject(ids);
      expect(Number(vars.KEY_CACHE_SECONDS), name).toBeGreaterThanOrEqual(0);
    }
  });

  it('CURSOR_SECRET, where a function holds it (EXPECTED_GRANTS `cursors`), is resolved from the generated secret at deploy time', () => {
    const holders = Object.keys(functions).filter((name) => fnResource(name).Properties!.Environment.Variables.CURSOR_SECRET !== undefined);
    expect(holders.length).toBeGreaterThan(0);
    for (const name of holders) {
      expect(JSON.stringify(fnResource(name).Properties!.Environment.Variables.CURSOR_SECRET), name).toContain('{{resolve:secretsmanager:');
    }
  });

  it('EXPORT_STATE_MACHINE_ARN only where the workflow is started (CreateExport)', () => {
    const smId = logicalId(stack.exportWorkflow.stateMachine);
    for (const name of Object.keys(functions)) {
      const vars = fnResource(name).Properties!.Environment.Variables;
      expect(vars.EXPORT_STATE_MACHINE_ARN, name).toEqual(name === 'CreateExport' ? { Ref: smId } : undefined);
    }
  });
});

/**
 * What every function may do, written out by hand from its handler and what it calls (not derived from
 * shared/routes.ts or infra/): the DynamoDB class, each S3 action on each bucket prefix, and the few other
 * powers, the cursor secret among them. A new function, or a changed grant, is a conscious change to this table.
 */
type Grants = {
  table: 'none' | 'read' | 'read-write';
  /** `action bucket/prefix`, e.g. `s3:GetObject import/reports/*`. */
  s3?: string[];
  /** states:StartExecution, by workflow. */
  startWorkflows?: string[];
  sendMail?: true;
  invokeSelf?: true;
  /** The key sealing the tenant secrets: open them (`decrypt`), or also create them (`encrypt`). */
  kms?: 'decrypt' | 'encrypt';
  /**
   * CURSOR_SECRET in its environment: it signs or verifies page cursors (reads a `cursor`, answers a
   * `nextCursor`, or signs one it throws away). No other function may read the secret from its configuration.
   */
  cursors?: true;
};
const NONE: Grants = { table: 'none' };
const READ: Grants = { table: 'read' };
const WRITE: Grants = { table: 'read-write' };
/** A read route that pages: the list's cursors are signed and verified with CURSOR_SECRET. */
const PAGES: Grants = { table: 'read', cursors: true };

/**
 * Every door of an erasure (DELETE by id or email, retention) rewrites the error reports quoting the person and
 * deletes the versions the rewrite replaced (the import bucket is versioned): listing versions of reports/ only.
 */
const ERASES_REPORTS = ['s3:PutObject import/reports/*', 's3:DeleteObjectVersion import/reports/*', 's3:ListBucketVersions import/reports/*'];

const EXPECTED_GRANTS: Record<string, Grants> = {
  Health: NONE,
  OpenApi: NONE,

  CreateCustomer: { table: 'read-write', kms: 'decrypt' }, // is the email or phone an erased person's? (suppression hash)
  ListCustomers: PAGES,
  GetCustomer: READ,
  UpdateCustomer: { table: 'read-write', kms: 'decrypt' },
  MergeCustomer: { table: 'read-write', kms: 'decrypt' },
  CustomerDuplicates: READ,

  ListTags: READ,
  CreateTag: WRITE,
  DeleteTag: WRITE,
  GetSettings: READ,
  UpdateSettings: WRITE,
  ListKeys: READ,
  CreateKey: WRITE,
  RevokeKey: WRITE,

  CreateImport: { table: 'read-write', s3: ['s3:PutObject import/imports/*'] }, // signs the upload (presigned POST)
  ListImports: PAGES,
  GetImport: { table: 'read', s3: ['s3:GetObject import/reports/*'] }, // signs the error report link
  // No file: it used to be allowed to write uploads (a path-prefix guess). Its tag-in-use check is the customer
  // list for the tag, limit 1: a page with more to come signs a nextCursor (thrown away).
  UndoImport: { table: 'read-write', cursors: true },

  IngestEvent: { table: 'read-write', sendMail: true, kms: 'encrypt' }, // rate-limit counters are writes; mails the double opt-in, signed with the consent secret it creates on first use
  ListHistory: PAGES,
  PreflightEvents: READ,
  ConfirmConsentPage: { table: 'read', kms: 'decrypt' },
  ConfirmConsent: { table: 'read-write', kms: 'decrypt' },

  ListSegments: PAGES,
  CreateSegment: WRITE,
  GetSegment: READ, // and UpdateItem of its count attributes only: checked on its own below
  UpdateSegment: WRITE,
  DeleteSegment: WRITE,
  ListSegmentCustomers: PAGES,

  CreateExport: { table: 'read-write', startWorkflows: ['export'] },
  ListExports: PAGES, // no links in the list: it used to be allowed to read every export file
  GetExport: { table: 'read', s3: ['s3:GetObject export/exports/*'] }, // signs the download link

  ListConsents: PAGES,
  // Rewrite error reports quoting the person, delete their spilled access exports; create the privacy secret.
  // Goes on with the redaction of the import reports in a fresh invocation when the request's time runs out.
  EraseCustomer: { table: 'read-write', s3: [...ERASES_REPORTS, 's3:DeleteObject export/personal-data/*'], kms: 'encrypt', invokeSelf: true },
  EraseCustomerByEmail: { table: 'read-write', s3: [...ERASES_REPORTS, 's3:DeleteObject export/personal-data/*'], kms: 'encrypt', invokeSelf: true },
  // A GET that writes: the audit entry of every access export; one too large to answer inline is written under
  // personal-data/ and linked (signed, so read), and removed again if the person was erased meanwhile.
  ExportCustomerData: { table: 'read-write', s3: ['s3:PutObject export/personal-data/*', 's3:GetObject export/personal-data/*', 's3:DeleteObject export/personal-data/*'] },
  CreateUnsubscribeLink: { table: 'read-write', kms: 'encrypt' }, // the tenant's privacy secret, created on first use
  Unsubscribe: { table: 'read', kms: 'decrypt' },
  UnsubscribeOneClick: { table: 'read-write', kms: 'decrypt' },
  ListAudit: PAGES,

  ImportCsv: {
    table: 'read-write',
    s3: [
      's3:DeleteObject import/imports/*',
      's3:DeleteObjectVersion import/imports/*',
      's3:GetObject import/imports/*',
      's3:GetObjectVersion import/imports/*',
      's3:PutObject import/reports/*',
    ],
    invokeSelf: true,
    kms: 'decrypt',
  },
  ExportTask: {
    table: 'read-write',
    s3: ['s3:AbortMultipartUpload export/exports/*', 's3:DeleteObject export/exports/*', 's3:GetObject export/exports/*', 's3:PutObject export/exports/*'],
    kms: 'decrypt', // checks rows against erasure marks
  },
  // Goes on with a day's run in a fresh invocation when one's time runs out.
  Retention: { table: 'read-write', s3: [...ERASES_REPORTS, 's3:DeleteObject export/personal-data/*'], kms: 'encrypt', invokeSelf: true },

  // Insights (issue 13).
  RequestRecompute: { table: 'read-write', startWorkflows: ['insights'] },
  GetRecompute: READ,
  GetInsightsSummary: READ,
  GetInsightsForecast: READ,
  GetInsightsBreakdown: READ,
  GetTopCustomers: PAGES,
  // Baskets and words (issue 14): read what the recompute stored.
  GetInsightsRules: PAGES,
  GetAlsoBought: PAGES,
  GetInsightsKeywords: READ,
  GetRecommendations: READ,
  // Reads purchases and the card index, writes insights and the summary; scratch objects under insights/.
  InsightsTask: {
    table: 'read-write',
    s3: ['s3:AbortMultipartUpload export/insights/*', 's3:DeleteObject export/insights/*', 's3:GetObject export/insights/*', 's3:PutObject export/insights/*'],
  },
  // Lists tenants, records one recompute each (writes limited to the T#*#INSIGHTS partitions), starts them.
  NightlyInsights: { table: 'read-write', startWorkflows: ['insights'] },
  // Ends a stopped execution's export (and removes its parts and file) or recompute (and its lease).
  EndStoppedJob: { table: 'read-write', s3: ['s3:DeleteObject export/exports/*'] },
};

/**
 * GET routes that write, by route key, and why. Only DynamoDB writes are allowed to a GET route, and objects
 * only where written here (`s3`: `action bucket/prefix`); a GET never starts a workflow, sends mail or invokes a function.
 */
const GET_ROUTES_THAT_WRITE: Record<string, string> = {
  'GET /v1/customers/{id}/export':
    'records every GDPR access export in the audit log (customer.export_data); writes one too large for an answer (or asked for as a link) under personal-data/ and links to it',
  'GET /v1/segments/{id}': 'stores the member count it counted on the segment, so the next GETs do not count again (UpdateItem of memberCount and countedAt only, IAM dynamodb:Attributes)',
};

/** The object writes of a GET route in GET_ROUTES_THAT_WRITE (their prefixes are held by EXPECTED_GRANTS). */
const GET_ROUTES_WRITING_OBJECTS: Record<string, string[]> = {
  'GET /v1/customers/{id}/export': ['s3:PutObject', 's3:DeleteObject'],
};

const DYNAMO_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const DYNAMO_READS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem'];

/** The fair-use counter grant every keyed route carries (infra/access.ts grantFairUseCounter); checked on its own. */
const FAIR_USE_CONDITION = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RATE#*'] } };
const isFairUseCounter = (s: { Condition?: unknown }) => JSON.stringify(s.Condition) === JSON.stringify(FAIR_USE_CONDITION);
/** A read route's narrow update (routes.ts `tableUpdates`, IAM dynamodb:Attributes); checked on its own. */
const isAttributeUpdate = (s: { Condition?: Record<string, Record<string, unknown>> }) => !!s.Condition?.['ForAllValues:StringEquals']?.['dynamodb:Attributes'];

describe('least privilege', () => {
  const allStatementsOf = (name: string) => roleStatements(json, logicalId(functions[name].functionRole));
  const statementsOf = (name: string) => allStatementsOf(name).filter((s) => !isFairUseCounter(s as { Condition?: unknown }) && !isAttributeUpdate(s as never));
  /** Every (action, resource) pair of a role, statements merged or not. */
  const pairs = (name: string) =>
    statementsOf(name).flatMap((s) => [s.Action].flat().flatMap((action) => [s.Resource].flat().map((resource) => ({ action, resource, condition: (s as { Condition?: unknown }).Condition }))));

  /** `{ Fn::Join: ['', [{ Fn::GetAtt: [bucket, 'Arn'] }, '/reports/*']] }` → `import/reports/*`. */
  const objectResource = (resource: unknown, condition?: unknown): string => {
    const buckets: Record<string, string> = { [logicalId(stack.stateful.importBucket)]: 'import', [logicalId(stack.stateful.exportBucket)]: 'export' };
    // A bucket action (`{ Fn::GetAtt: [bucket, 'Arn'] }`): only with a key-prefix condition → `import/reports/*`.
    const bucketArn = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (bucketArn) {
      const prefixes = (condition as { StringLike?: { 's3:prefix'?: string[] } } | undefined)?.StringLike?.['s3:prefix'];
      const bucket = buckets[bucketArn[0]] ?? `unknown bucket ${bucketArn[0]}`;
      return prefixes ? prefixes.map((p) => `${bucket}/${p}`).join(' ') : `${bucket} (every key)`;
    }
    const [, parts] = (resource as { 'Fn::Join': [string, [{ 'Fn::GetAtt': [string, string] }, string]] })['Fn::Join'];
    const bucket = buckets[parts[0]['Fn::GetAtt'][0]] ?? `unknown bucket ${JSON.stringify(parts[0])}`;
    return `${bucket}${parts[1]}`;
  };

  const grantsOf = (name: string): Grants => {
    const all = pairs(name);
    const actions = new Set(all.map((p) => p.action));
    const dynamo = [...actions].filter((a) => a.startsWith('dynamodb:'));
    const table = dynamo.length === 0 ? 'none' : DYNAMO_WRITES.some((a) => actions.has(a)) ? 'read-write' : 'read';
    const s3 = all.filter((p) => p.action.startsWith('s3:')).map((p) => `${p.action} ${objectResource(p.resource, p.condition)}`).sort();
    const stateMachines: Record<string, string> = { [logicalId(stack.exportWorkflow.stateMachine)]: 'export', [logicalId(stack.insightsWorkflow.stateMachine)]: 'insights' };
    const starts = all
      .filter((p) => p.action === 'states:StartExecution')
      .map((p) => stateMachines[(p.resource as { Ref: string }).Ref] ?? `unknown ${JSON.stringify(p.resource)}`)
      .sort();
    return {
      table,
      ...(s3.length ? { s3 } : {}),
      ...(starts.length ? { startWorkflows: starts } : {}),
      ...(actions.has('ses:SendEmail') ? { sendMail: true as const } : {}),
      ...(actions.has('lambda:InvokeFunction') ? { invokeSelf: true as const } : {}),
      ...(actions.has('kms:GenerateDataKey') ? { kms: 'encrypt' as const } : actions.has('kms:Decrypt') ? { kms: 'decrypt' as const } : {}),
      ...(fnResource(name).Properties!.Environment.Variables.CURSOR_SECRET !== undefined ? { cursors: true as const } : {}),
    };
  };

  it('the table names every function, and only those', () => {
    expect(Object.keys(EXPECTED_GRANTS).sort()).toEqual(Object.keys(functions).sort());
  });

  it.each(Object.keys(EXPECTED_GRANTS))('%s has exactly the grants written down for it', (name) => {
    const expected = EXPECTED_GRANTS[name];
    expect(grantsOf(name)).toEqual(expected.s3 ? { ...expected, s3: [...expected.s3].sort() } : expected);
  });

  it('roles hold no other kind of action than logs, X-Ray, DynamoDB, S3 objects (and listing versions under a prefix), StartExecution, SES, invoking itself, its dead letters and the secrets key', () => {
    for (const name of Object.keys(functions)) {
      const unexpected = pairs(name)
        .map((p) => p.action)
        .filter((a) => !/^(logs:(CreateLogStream|PutLogEvents)|xray:(PutTraceSegments|PutTelemetryRecords)|dynamodb:\w+|s3:\w+Object\w*|s3:AbortMultipartUpload|s3:ListBucketVersions|states:StartExecution|ses:Send(Raw)?Email|lambda:InvokeFunction|sqs:SendMessage|kms:(Decrypt|GenerateDataKey))$/.test(a));
      expect(unexpected, name).toEqual([]);
    }
  });

  it('table access: read is reads only, read-write adds the writes; on the one table and its indexes only', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.stateful.table), 'Arn'] };
    const indexes = { 'Fn::Join': ['', [tableArn, '/index/*']] };
    for (const name of Object.keys(functions)) {
      const dynamo = pairs(name).filter((p) => p.action.startsWith('dynamodb:'));
      // NightlyInsights and EndStoppedJob have narrower grants than any class: checked on their own below.
      if (EXPECTED_GRANTS[name].table === 'none' || name === 'NightlyInsights' || name === 'EndStoppedJob') continue;
      expect(new Set(dynamo.map((p) => JSON.stringify(p.resource))), name).toEqual(new Set([JSON.stringify(tableArn), JSON.stringify(indexes)]));
      const actions = new Set(dynamo.map((p) => p.action));
      for (const a of DYNAMO_READS) expect(actions.has(a), `${name} ${a}`).toBe(true);
      for (const a of DYNAMO_WRITES) expect(actions.has(a), `${name} ${a}`).toBe(EXPECTED_GRANTS[name].table === 'read-write');
      // No PartiQL, no table management, no streams beyond what grantReadData names.
      expect([...actions].filter((a) => /PartiQL|CreateTable|DeleteTable|UpdateTable/.test(a)), name).toEqual([]);
    }
  });

  it('GET /v1/segments/{id} may update only the stored count of an item (and no read route has such a grant but it)', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.stateful.table), 'Arn'] };
    for (const name of Object.keys(functions)) {
      const narrow = allStatementsOf(name).filter((st) => isAttributeUpdate(st as never));
      if (name !== 'GetSegment') {
        expect(narrow, name).toEqual([]);
        continue;
      }
      expect(narrow).toEqual([
        {
          Action: 'dynamodb:UpdateItem',
          Effect: 'Allow',
          Resource: tableArn,
          Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'memberCount', 'countedAt', 'updatedAt'] } },
        },
      ]);
    }
  });

  it('the nightly insights starter may only query the tenant listing, take recompute leases and write recompute records', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.stateful.table), 'Arn'] };
    const statements = statementsOf('NightlyInsights').filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(statements.map((st) => ({ actions: [st.Action].flat().sort(), resource: st.Resource, condition: (st as { Condition?: unknown }).Condition }))).toEqual([
      { actions: ['dynamodb:Query'], resource: { 'Fn::Join': ['', [tableArn, '/index/gsi1']] }, condition: undefined },
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: tableArn, condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#INSIGHTS'] } } },
    ]);
  });

  it('EndStoppedJob may only read and update export records and update recompute records and leases (GetItem, UpdateItem, DeleteItem), no index, no Put', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.stateful.table), 'Arn'] };
    const statements = statementsOf('EndStoppedJob').filter((st) => [st.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(statements.map((st) => ({ actions: [st.Action].flat().sort(), resource: st.Resource, condition: (st as { Condition?: unknown }).Condition }))).toEqual([
      { actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'], resource: tableArn, condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#EXPORTS', 'T#*#INSIGHTS'] } } },
    ]);
  });

  it('every keyed route, and nothing else, may count its requests: UpdateItem on the fair-use counters (RATE#) only', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.stateful.table), 'Arn'] };
    const keyed = new Set(ROUTES.filter((r) => r.scope !== 'public').map((r) => r.name));
    expect(keyed.size).toBeGreaterThan(30);
    for (const name of Object.keys(functions)) {
      const counters = allStatementsOf(name).filter((s) => isFairUseCounter(s as { Condition?: unknown }));
      expect(counters.map((s) => ({ Action: s.Action, Resource: s.Resource })), name).toEqual(keyed.has(name) ? [{ Action: 'dynamodb:UpdateItem', Resource: tableArn }] : []);
    }
  });

  it('the secrets key: only with the tenant secrets\' encryption context, on that key only, and its id in the environment of exactly those functions', () => {
    const keyArn = { 'Fn::GetAtt': [logicalId(stack.stateful.secretsKey), 'Arn'] };
    for (const name of Object.keys(functions)) {
      const statements = statementsOf(name).filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')));
      const env = fnResource(name).Properties!.Environment?.Variables?.SECRETS_KMS_KEY_ID;
      if (!EXPECTED_GRANTS[name]!.kms) {
        expect(statements, name).toEqual([]);
        expect(env, name).toBeUndefined();
        continue;
      }
      expect(statements.map((s) => ({ Resource: s.Resource, Condition: (s as { Condition?: unknown }).Condition })), name).toEqual([
        { Resource: keyArn, Condition: { StringEquals: { 'kms:EncryptionContext:app': 'clientela', 'kms:EncryptionContext:purpose': 'tenant-secrets' } } },
      ]);
      expect(env, name).toEqual(keyArn);
    }
    const [, key] = resourcesOfType(json, 'AWS::KMS::Key')[0]!;
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });

  it('no GET route can write (template: GET route → integration → function → role), but those written down', () => {
    const integrations = Object.fromEntries(resourcesOfType(json, 'AWS::ApiGatewayV2::Integration'));
    const rolesByFunction = Object.fromEntries(
      resourcesOfType(json, 'AWS::Lambda::Function').map(([id, f]) => [id, (f.Properties!.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]]),
    );
    const getRoutes = resourcesOfType(json, 'AWS::ApiGatewayV2::Route').filter(([, r]) => String(r.Properties!.RouteKey).startsWith('GET '));
    expect(getRoutes.length).toBeGreaterThan(15);
    const writers: string[] = [];
    for (const [, r] of getRoutes) {
      const routeKey = r.Properties!.RouteKey as string;
      const integration = integrations[r.Properties!.Target['Fn::Join'][1][1].Ref];
      const fnId = integration.Properties!.IntegrationUri['Fn::GetAtt'][0] as string;
      // The fair-use counter (RATE# items only) is not data: checked on its own above.
      const actions = roleStatements(json, rolesByFunction[fnId]!)
        .filter((s) => !isFairUseCounter(s as { Condition?: unknown }))
        .flatMap((s) => [s.Action].flat());
      const writes = actions.filter((a) => DYNAMO_WRITES.includes(a) || /^s3:(Put|Delete|Abort)/.test(a) || /^(states|ses|lambda):/.test(a));
      if (writes.length === 0) continue;
      writers.push(routeKey);
      // Even the documented exceptions write to the table only, but for the objects written down.
      const objects = GET_ROUTES_WRITING_OBJECTS[routeKey] ?? [];
      expect(writes.every((a) => DYNAMO_WRITES.includes(a) || objects.includes(a)), `${routeKey}: ${writes.join(', ')}`).toBe(true);
    }
    expect(writers.sort()).toEqual(Object.keys(GET_ROUTES_THAT_WRITE).sort());
  });

  it('every function may write only to its own log group', () => {
    for (const name of Object.keys(functions)) {
      const logStatements = roleStatements(json, logicalId(functions[name].functionRole)).filter((s) =>
        [s.Action].flat().some((a) => a.startsWith('logs:')),
      );
      expect(logStatements, name).toEqual([
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logicalId(functions[name].functionLogGroup), 'Arn'] },
        }),
      ]);
    }
  });

  it("roles carry no AWS managed policy: only the stack's X-Ray policy, which holds the two X-Ray actions and nothing else", () => {
    const xray = resourcesOfType(json, 'AWS::IAM::ManagedPolicy');
    expect(xray).toHaveLength(1);
    expect(xray[0]![1].Properties!.PolicyDocument.Statement).toEqual([{ Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' }]);
    for (const name of Object.keys(functions)) {
      expect(json.Resources[logicalId(functions[name].functionRole)].Properties!.ManagedPolicyArns, name).toEqual([{ Ref: xray[0]![0] }]);
      // Nothing on "*" in the role's own policies: X-Ray's wildcard stays in its policy.
      expect(roleStatements(json, logicalId(functions[name].functionRole)).filter((st) => st.Resource === '*'), name).toEqual([]);
    }
  });

  it('ImportCsv may invoke itself (a large file continues in a fresh invocation), by its fixed name, without a dependency cycle', () => {
    const fn = fnResource('ImportCsv');
    expect(fn.Properties!.FunctionName).toBe(`${stack.stackName}-ImportCsv`);
    const invoke = roleStatements(json, logicalId(functions.ImportCsv.functionRole)).filter((s) => [s.Action].flat().some((a) => a.startsWith('lambda:')));
    expect(invoke).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':lambda:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:function:${stack.stackName}-ImportCsv`]],
        },
      }),
    ]);
    // Naming the function by its ARN (GetAtt) would make its role's policy depend on it: CloudFormation refuses the cycle.
    expect(JSON.stringify(invoke)).not.toContain(logicalId(functions.ImportCsv));
  });

  it('only the event capture function may send mail, only as the configured SES identity and From address', () => {
    const sesStatements = (name: string) => roleStatements(json, logicalId(functions[name].functionRole)).filter((s) => [s.Action].flat().some((a) => a.startsWith('ses:')));
    for (const name of Object.keys(functions)) {
      if (name === 'IngestEvent') continue;
      expect(sesStatements(name), name).toEqual([]);
      expect(fnResource(name).Properties!.Environment?.Variables?.MAIL_FROM, name).toBeUndefined();
    }
    const [statement, ...others] = sesStatements('IngestEvent');
    expect(others).toEqual([]);
    expect([statement!.Action].flat().sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
    expect(JSON.stringify(statement!.Resource)).toContain(':identity/no-reply@clientela.example');
    expect((statement as { Condition?: unknown }).Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@clientela.example' } });
    expect(fnResource('IngestEvent').Properties!.Environment.Variables.MAIL_FROM).toBe('no-reply@clientela.example');
  });
});
