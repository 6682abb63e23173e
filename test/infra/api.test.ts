import { beforeAll, describe, expect, it } from 'vitest';
import { INSIGHTS_WORKERS, ROUTES, WORKERS } from '../../shared/routes.ts';
import { API_THROTTLE, NO_TABLE_ACCESS, routePermissions } from '../../infra/api.ts';
import type { ClientelaFunction } from '../../infra/constructs/function.ts';
import type { ClientelaStack } from '../../infra/clientela-stack.ts';
import { logicalId, resourcesOfType, roleActions, roleStatements, synthClientela, SYNTH_TIMEOUT_MS, type TemplateJson } from './support.ts';

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
  };
}, SYNTH_TIMEOUT_MS);

const fnResource = (name: string) => json.Resources[logicalId(functions[name])];
const actionsOf = (name: string) => roleActions(json, logicalId(functions[name].functionRole));

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

  it('throttles the default stage and logs access', () => {
    const stages = resourcesOfType(json, 'AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0][1].Properties!;
    expect(stage.StageName).toBe('$default');
    expect(stage.AutoDeploy).toBe(true);
    expect(stage.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: API_THROTTLE.rateLimit,
      ThrottlingBurstLimit: API_THROTTLE.burstLimit,
    });
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.api.accessLogs), 'Arn'] });
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId' });
  });
});

describe('functions', () => {
  it('exist for every route and worker, and nothing else runs Node', () => {
    const node = resourcesOfType(json, 'AWS::Lambda::Function').filter(([, f]) => String(f.Properties!.Runtime).startsWith('nodejs'));
    expect(node.map(([id]) => id).sort()).toEqual(Object.values(functions).map(logicalId).sort());
    expect(Object.keys(functions).sort()).toEqual([...ROUTES.map((r) => r.name), ...Object.values(WORKERS).map((w) => w.name), ...Object.values(INSIGHTS_WORKERS).map((w) => w.name)].sort());
  });

  it('run Node.js 22 on arm64 with source maps', () => {
    for (const name of Object.keys(functions)) {
      const p = fnResource(name).Properties!;
      expect(p.Runtime, name).toBe('nodejs22.x');
      expect(p.Architectures, name).toEqual(['arm64']);
      expect(p.Environment.Variables.NODE_OPTIONS, name).toBe('--enable-source-maps');
    }
  });

  it('API functions: 512 MB, 10 s; ImportCsv: 1024 MB, 15 min', () => {
    for (const route of ROUTES) {
      expect(fnResource(route.name).Properties, route.name).toMatchObject({ MemorySize: 512, Timeout: 10 });
    }
    expect(fnResource(WORKERS.importCsv.name).Properties).toMatchObject({ MemorySize: 1024, Timeout: 900 });
  });

  it('each logs to its own log group with a retention', () => {
    const groups = new Set<string>();
    for (const name of Object.keys(functions)) {
      const p = fnResource(name).Properties!;
      const groupId = p.LoggingConfig.LogGroup.Ref as string;
      expect(groupId, name).toBe(logicalId(functions[name].functionLogGroup));
      expect(json.Resources[groupId].Properties!.RetentionInDays, name).toBe(30);
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

  it('EXPORT_STATE_MACHINE_ARN and states:StartExecution only where an export route starts the workflow', () => {
    const smId = logicalId(stack.exportWorkflow.stateMachine);
    for (const route of ROUTES) {
      const vars = fnResource(route.name).Properties!.Environment.Variables;
      const starts = routePermissions(route).startExport;
      expect(vars.EXPORT_STATE_MACHINE_ARN, route.name).toEqual(starts ? { Ref: smId } : undefined);
      expect(actionsOf(route.name).includes('states:StartExecution'), route.name).toBe(starts || routePermissions(route).startInsights);
    }
    for (const worker of Object.values(WORKERS)) {
      expect(actionsOf(worker.name), worker.name).not.toContain('states:StartExecution');
    }
  });
});

describe('least privilege', () => {
  const dynamoWrites = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

  it('NO_TABLE_ACCESS names real routes', () => {
    for (const name of NO_TABLE_ACCESS) expect(ROUTES.map((r) => r.name)).toContain(name);
  });

  it('public routes without data (health, OpenAPI) may only write their logs', () => {
    for (const name of NO_TABLE_ACCESS) {
      expect(actionsOf(name).sort(), name).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    }
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

  it('roles carry no managed policies', () => {
    for (const name of Object.keys(functions)) {
      expect(json.Resources[logicalId(functions[name].functionRole)].Properties!.ManagedPolicyArns, name).toBeUndefined();
    }
  });

  it('other API functions read and write the table', () => {
    for (const route of ROUTES.filter((r) => !NO_TABLE_ACCESS.has(r.name))) {
      expect(actionsOf(route.name), route.name).toEqual(expect.arrayContaining(['dynamodb:Query', ...dynamoWrites]));
    }
  });

  it('ImportCsv: table read/write, read+delete uploads (the exact version the event named), write reports; no other bucket', () => {
    const importId = logicalId(stack.stateful.importBucket);
    const statements = roleStatements(json, logicalId(functions.ImportCsv.functionRole));
    expect(actionsOf('ImportCsv')).toEqual(expect.arrayContaining(['dynamodb:Query', ...dynamoWrites]));
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    const byResource = s3.map((s) => ({ actions: [s.Action].flat().sort(), resource: s.Resource }));
    expect(byResource).toHaveLength(2);
    expect(byResource).toEqual(
      expect.arrayContaining([
        {
          actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectVersion'],
          resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [importId, 'Arn'] }, '/imports/*']] },
        },
        {
          actions: ['s3:PutObject'],
          resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [importId, 'Arn'] }, '/reports/*']] },
        },
      ]),
    );
  });

  it('ImportCsv may invoke itself (a large file continues in a fresh invocation), and no other function, without a dependency cycle', () => {
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
    for (const name of Object.keys(functions).filter((n) => n !== 'ImportCsv')) {
      expect(actionsOf(name).filter((a) => a.startsWith('lambda:')), name).toEqual([]);
    }
  });

  it('ExportTask: table read/write (it moves the export record through its statuses), export bucket objects only', () => {
    expect(actionsOf('ExportTask')).toEqual(expect.arrayContaining(['dynamodb:Query', ...dynamoWrites]));
    const exportId = logicalId(stack.stateful.exportBucket);
    const s3 = roleStatements(json, logicalId(functions.ExportTask.functionRole)).filter((s) =>
      [s.Action].flat().some((a) => a.startsWith('s3:')),
    );
    expect(s3).toEqual([
      expect.objectContaining({ Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [exportId, 'Arn'] }, '/*']] } }),
    ]);
    expect([s3[0].Action].flat().sort()).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject']);
  });

  it('API functions touch S3 only to sign what their route serves', () => {
    const importId = logicalId(stack.stateful.importBucket);
    const exportId = logicalId(stack.stateful.exportBucket);
    const objects = (bucketId: string, pattern: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, pattern]] });
    for (const route of ROUTES) {
      const can = routePermissions(route);
      const expected = [
        ...(can.signExportDownloads ? [{ actions: ['s3:GetObject'], resource: objects(exportId, '/*') }] : []),
        ...(can.signImportUploads ? [{ actions: ['s3:PutObject'], resource: objects(importId, '/imports/*') }] : []),
        ...(can.rewriteImportReports ? [{ actions: ['s3:PutObject'], resource: objects(importId, '/reports/*') }] : []),
        ...(can.signImportReports ? [{ actions: ['s3:GetObject'], resource: objects(importId, '/reports/*') }] : []),
      ];
      const actual = roleStatements(json, logicalId(functions[route.name].functionRole))
        .filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')))
        .map((s) => ({ actions: [s.Action].flat().sort(), resource: s.Resource }));
      expect(actual, route.name).toEqual(expected);
    }
  });

  it('only the event capture function may send mail, only as the configured SES identity and From address', () => {
    // Written out by hand: the expectation does not come from the code under test.
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

  it('a GET route never starts a workflow or signs an upload', () => {
    for (const route of ROUTES.filter((r) => r.method === 'GET')) {
      const can = routePermissions(route);
      expect(can.startExport || can.signImportUploads, route.name).toBe(false);
    }
  });
});
