import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, SKIP_BUNDLING, type ClientelaApp } from '../../infra/build-app.ts';
import { ROUTES } from '../../shared/routes.ts';
import { logicalId, resourcesOfType, SYNTH_TIMEOUT_MS, type TemplateJson } from './support.ts';

/**
 * CloudFormation's limits per stack, in the prod synth: 500 resources, 60 dynamic references, 200 outputs and
 * 200 parameters. The main stack was at 478 resources (7 a route) and 58 dynamic references (CURSOR_SECRET in
 * every function, as it was then) with 52 routes; the API's functions now live in nested stacks by route group
 * (infra/api-routes.ts), only the functions that sign page cursors hold CURSOR_SECRET, and every stack keeps
 * room to grow.
 */
const MAX_RESOURCES = 400;
const MAX_DYNAMIC_REFERENCES = 60;
const MAX_OUTPUTS = 200;
const MAX_PARAMETERS = 200;

/** Route key → logical id of every route deployed before the split (main, 30 Nov 2026). */
const DEPLOYED_ROUTE_IDS = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/deployed-route-ids.json'), 'utf8')) as Record<string, string>;

let built: ClientelaApp;
let assembly: CloudAssembly;
/** The main stack and every stack nested in it, each with its own template. */
let stacks: { stack: Stack; json: TemplateJson }[];

beforeAll(() => {
  // As `cdk synth -c stage=prod -c mailFrom=... -c alarmEmail=...` builds it, cdk-nag included (synthesis throws on a finding).
  built = buildApp({ context: { ...SKIP_BUNDLING, stage: 'prod', mailFrom: 'no-reply@mail.trattoria.it', alarmEmail: 'ops@trattoria.example' } });
  assembly = built.app.synth();
  stacks = built.app.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c))
    .map((stack) => ({ stack, json: Template.fromStack(stack).toJSON() as TemplateJson }));
}, SYNTH_TIMEOUT_MS);

const nested = () => stacks.filter(({ stack }) => stack.nested);
const dynamicReferences = (json: unknown) => JSON.stringify(json).split('{{resolve:').length - 1;
const describeStack = (stack: Stack) => stack.node.path;

describe('CloudFormation limits (prod synth)', () => {
  it(`the main stack and each nested stack hold at most ${MAX_RESOURCES} resources, ${MAX_DYNAMIC_REFERENCES} dynamic references, ${MAX_OUTPUTS} outputs and ${MAX_PARAMETERS} parameters`, () => {
    for (const { stack, json } of stacks) {
      expect(Object.keys(json.Resources).length, describeStack(stack)).toBeLessThanOrEqual(MAX_RESOURCES);
      expect(dynamicReferences(json), describeStack(stack)).toBeLessThanOrEqual(MAX_DYNAMIC_REFERENCES);
      expect(Object.keys(json.Outputs ?? {}).length, describeStack(stack)).toBeLessThanOrEqual(MAX_OUTPUTS);
      expect(Object.keys(json.Parameters ?? {}).length, describeStack(stack)).toBeLessThanOrEqual(MAX_PARAMETERS);
    }
    expect(nested().length).toBeGreaterThan(0);
  });

  it('every ROUTES row has its function in exactly one stack, a nested one, and its route in the main stack', () => {
    const main = stacks.find(({ stack }) => stack === built.stack)!.json;
    const mainRoutes = resourcesOfType(main, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!.RouteKey as string);
    for (const route of ROUTES) {
      const holders = stacks.filter(({ json }) =>
        resourcesOfType(json, 'AWS::Lambda::Function').some(([, f]) => f.Properties!.Description === `clientela ${route.method} ${route.path}`),
      );
      expect(holders.map(({ stack }) => describeStack(stack)), route.name).toHaveLength(1);
      const [{ stack, json }] = holders;
      expect(stack.nested, `${route.name} is in ${describeStack(stack)}`).toBe(true);
      // The construct the rest of the app uses (alarms, tests) is that function.
      const fn = built.stack.api.functions[route.name]!;
      expect(Stack.of(fn)).toBe(stack);
      expect(json.Resources[logicalId(fn)]?.Properties?.Description).toBe(`clientela ${route.method} ${route.path}`);
      expect(mainRoutes.filter((key) => key === `${route.method} ${route.path}`), route.name).toHaveLength(1);
    }
    for (const { stack, json } of nested()) expect(resourcesOfType(json, 'AWS::ApiGatewayV2::Route'), describeStack(stack)).toEqual([]);
  });

  it('routes deployed before keep their logical ids (a route key created anew while the old route exists fails the update: 409)', () => {
    const main = stacks.find(({ stack }) => stack === built.stack)!.json;
    const now = Object.fromEntries(resourcesOfType(main, 'AWS::ApiGatewayV2::Route').map(([id, r]) => [r.Properties!.RouteKey as string, id]));
    for (const [routeKey, id] of Object.entries(DEPLOYED_ROUTE_IDS)) {
      if (routeKey in now) expect(now[routeKey], routeKey).toBe(id);
    }
    // A route the fixture knows and ROUTES still has is never dropped by accident.
    const keys = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(Object.keys(DEPLOYED_ROUTE_IDS).filter((k) => keys.has(k) && !(k in now))).toEqual([]);
  });
});

describe('cross-stack references', () => {
  it("CURSOR_SECRET's dynamic reference is built inside each nested template around the secret's ARN; its value is never a parameter or an output", () => {
    const main = stacks.find(({ stack }) => stack === built.stack)!.json;
    const secretId = logicalId(built.stack.node.findChild('CursorSecret'));
    expect(nested().length).toBeGreaterThan(0);
    let holders = 0;
    for (const { stack, json } of nested()) {
      const passed = main.Resources[stack.nestedStackParent!.getLogicalId(stack.nestedStackResource as CfnElement)]!.Properties!.Parameters as Record<string, unknown>;
      // Nothing resolved travels from the parent: no dynamic reference among the values it passes.
      expect(dynamicReferences(passed), describeStack(stack)).toBe(0);
      expect(dynamicReferences(json.Outputs ?? {}), describeStack(stack)).toBe(0);
      const functions = resourcesOfType(json, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(0);
      // Only the functions that sign page cursors hold it (test/infra/cursor-secret.test.ts says which).
      const withSecret = functions.filter(([, f]) => f.Properties!.Environment.Variables.CURSOR_SECRET !== undefined);
      holders += withSecret.length;
      for (const [id, f] of withSecret) {
        const value = f.Properties!.Environment.Variables.CURSOR_SECRET;
        expect(value, id).toMatchObject({ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: expect.any(String) }, ':SecretString:::}}']] });
        const parameter = value['Fn::Join'][1][1].Ref as string;
        expect(json.Parameters?.[parameter], id).toEqual({ Type: 'String' });
        // The parameter is the secret's ARN (Ref of the secret), which names the secret and reveals nothing.
        expect(passed[parameter], id).toEqual({ Ref: secretId });
      }
      // A stack none of whose functions signs cursors is not even passed the secret's ARN.
      if (withSecret.length === 0) expect(Object.values(passed), describeStack(stack)).not.toContainEqual({ Ref: secretId });
      // Every dynamic reference of a nested stack is a cursor secret's: one per function that holds it.
      expect(dynamicReferences(json), describeStack(stack)).toBe(withSecret.length);
    }
    expect(holders).toBeGreaterThan(0);
    expect(dynamicReferences(main.Outputs ?? {})).toBe(0);
  });

  it('the stack of what strangers reach (health, OpenAPI, events, consent and unsubscribe pages) holds no cursor secret at all', () => {
    const main = stacks.find(({ stack }) => stack === built.stack)!.json;
    const publicStack = built.stack.api.routeStacks.Public!;
    const { json } = stacks.find(({ stack }) => stack === publicStack)!;
    expect(dynamicReferences(json)).toBe(0);
    const passed = main.Resources[built.stack.getLogicalId(publicStack.nestedStackResource as CfnElement)]!.Properties!.Parameters as Record<string, unknown>;
    expect(Object.values(passed)).not.toContainEqual({ Ref: logicalId(built.stack.node.findChild('CursorSecret')) });
  });

  it('cdk deploy publishes every nested template as a file asset of the main stack, at the URL the nested stack resource reads', () => {
    const artifact = assembly.getStackArtifact(built.stack.artifactId);
    const manifestFile = artifact.dependencies.map((d) => d.id).find((id) => id.endsWith('.assets'));
    expect(manifestFile).toBeDefined();
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, `${artifact.id}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    const main = stacks.find(({ stack }) => stack === built.stack)!.json;
    expect(nested().length).toBeGreaterThan(0);
    for (const { stack } of nested()) {
      const [hash, asset] = Object.entries(manifest.files).find(([, f]) => f.source.path === stack.templateFile) ?? [];
      expect(asset, `${stack.templateFile} in the asset manifest`).toBeDefined();
      const resource = main.Resources[stack.nestedStackParent!.getLogicalId(stack.nestedStackResource as CfnElement)]!;
      expect(resource.Type).toBe('AWS::CloudFormation::Stack');
      expect(JSON.stringify(resource.Properties!.TemplateURL)).toContain(Object.values(asset!.destinations)[0]!.objectKey);
      expect(Object.values(asset!.destinations)[0]!.objectKey).toBe(`${hash}.json`);
    }
  });
});
