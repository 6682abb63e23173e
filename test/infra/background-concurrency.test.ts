import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, SKIP_BUNDLING } from '../../infra/build-app.ts';
import type { ClientelaStack } from '../../infra/clientela-stack.ts';
import { logicalId, resourcesOfType, SYNTH_TIMEOUT_MS, templateWithNested, type TemplateJson } from './support.ts';

/**
 * Background work (imports, export and insights tasks) has reserved concurrency in production: each is capped,
 * so together they can never take the executions the API needs; a context value overrides a cap (0: none).
 * The API functions reserve nothing (they draw on the rest of the account's pool).
 */
function synth(context: Record<string, unknown> = {}): { stack: ClientelaStack; json: TemplateJson } {
  const built = buildApp({ context: { ...SKIP_BUNDLING, '@aws-cdk/core:validateAgainstDefaultRules': false, ...context } });
  return { stack: built.stack, json: templateWithNested(built.stack) };
}

let dev: { stack: ClientelaStack; json: TemplateJson };
let prod: { stack: ClientelaStack; json: TemplateJson };
beforeAll(() => {
  dev = synth();
  prod = synth({ stage: 'prod', mailFrom: 'no-reply@mail.trattoria.it', alarmEmail: 'ops@trattoria.example' });
}, SYNTH_TIMEOUT_MS * 2);

/** Function logical id → its reserved concurrency, for every function that has one. */
const reserved = (json: TemplateJson) =>
  Object.fromEntries(
    resourcesOfType(json, 'AWS::Lambda::Function')
      .filter(([, f]) => f.Properties?.ReservedConcurrentExecutions !== undefined)
      .map(([id, f]) => [id, f.Properties!.ReservedConcurrentExecutions as number]),
  );
const background = (s: { stack: ClientelaStack }) => ({
  importCsv: logicalId(s.stack.importWorker.importCsv),
  exportTask: logicalId(s.stack.exportWorkflow.exportTask),
  insightsTask: logicalId(s.stack.insightsWorkflow.task),
});

describe('reserved concurrency of background work', () => {
  it('production: the import and the export and insights tasks are capped at 20 each; nothing else reserves any', () => {
    const ids = background(prod);
    expect(reserved(prod.json)).toEqual({ [ids.importCsv]: 20, [ids.exportTask]: 20, [ids.insightsTask]: 20 });
  });

  it('a development stack reserves none (a new account cannot spare any); context sets each, 0 for none', () => {
    expect(reserved(dev.json)).toEqual({});
    const custom = synth({ stage: 'prod', mailFrom: 'no-reply@mail.trattoria.it', alarmEmail: 'ops@trattoria.example', importConcurrency: '8', exportConcurrency: '0', insightsConcurrency: '4' });
    const ids = background(custom);
    expect(reserved(custom.json)).toEqual({ [ids.importCsv]: 8, [ids.insightsTask]: 4 });
  }, SYNTH_TIMEOUT_MS);

  it('refuses a wrong value with a message naming the setting', () => {
    expect(() => synth({ importConcurrency: 'many' })).toThrow(/-c importConcurrency=many must be a whole number/);
    expect(() => synth({ exportConcurrency: '-1' })).toThrow(/-c exportConcurrency=-1 must be a whole number/);
  }, SYNTH_TIMEOUT_MS);
});
