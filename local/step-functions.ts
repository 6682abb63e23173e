/**
 * Step Functions, locally: runs the export state machine the CDK app deploys (synthesised in-process and
 * resolved by infra/state-machine-definition.ts) with aws-local-stepfunctions, each Lambda task calling
 * the same handler module Lambda would run.
 */
import './polyfills.ts'; // before aws-local-stepfunctions: Promise.withResolvers on Node 20
import { StateMachine } from 'aws-local-stepfunctions';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { INSIGHTS_WORKERS, WORKERS, WORKFLOW_WORKERS } from '../shared/routes.ts';
import { lambdaContext, moduleLoader, REPO_ROOT, type ModuleLoader } from './lambda.ts';

/** The parts of an Amazon States Language definition the runner looks at. */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  [key: string]: unknown;
}
interface AslState {
  Type: string;
  Resource?: string;
  Retry?: unknown[];
  ItemProcessor?: { StartAt: string; States: Record<string, AslState>; [key: string]: unknown };
  Iterator?: { StartAt: string; States: Record<string, AslState>; [key: string]: unknown };
  Branches?: { StartAt: string; States: Record<string, AslState>; [key: string]: unknown }[];
  [key: string]: unknown;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  name: string;
  status: ExecutionStatus;
  input: unknown;
  output?: unknown;
  /** For FAILED: the error name and cause, as DescribeExecution reports them. */
  error?: string;
  cause?: string;
  startDate: string;
  stopDate?: string;
}

export interface WorkflowRunner {
  stateMachineArn: string;
  /** Starts an execution in the background, like StartExecution; the outcome lands in `describeExecution`. */
  startExecution(input: unknown, options?: { name?: string }): Promise<{ executionArn: string; startDate: string }>;
  describeExecution(executionArn: string): ExecutionRecord | undefined;
  listExecutions(): ExecutionRecord[];
  /** Resolves once no execution is running. */
  idle(): Promise<void>;
  /** Aborts running executions. */
  stop(): Promise<void>;
}

/** Calls the function behind a Lambda task: `(functionArn, payload) → result`. Throwing fails the task. */
export type LambdaInvoker = (functionArn: string, payload: unknown, stateName: string) => Promise<unknown>;

export interface WorkflowRunnerOptions {
  stateMachineName?: string;
  region?: string;
  invoke: LambdaInvoker;
  /** Pause before a retry, whatever the definition's IntervalSeconds/BackoffRate say. @default 10 */
  retryIntervalMs?: number;
  log?: (message: string, error?: unknown) => void;
  /**
   * Called once an execution ends FAILED, TIMED_OUT or ABORTED, with the event Step Functions sends
   * EventBridge then ("Step Functions Execution Status Change"), as the stack's rule delivers it to
   * EndStoppedJob (infra/stopped-jobs.ts). Its failure is logged; the execution's outcome stays.
   */
  onStopped?: (event: ExecutionStatusChange) => Promise<unknown>;
}

/** EventBridge's "Step Functions Execution Status Change" event, as far as clientela reads it. */
export interface ExecutionStatusChange {
  version: '0';
  source: 'aws.states';
  'detail-type': 'Step Functions Execution Status Change';
  time: string;
  resources: string[];
  detail: { executionArn: string; stateMachineArn: string; name: string; status: ExecutionStatus; startDate: number; stopDate: number; input: string; error?: string; cause?: string };
}

/** The status-change event of an execution that ended (what the local runner hands `onStopped`). */
export function statusChangeEvent(stateMachineArn: string, record: ExecutionRecord): ExecutionStatusChange {
  return {
    version: '0',
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    time: record.stopDate ?? new Date().toISOString(),
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: Date.parse(record.startDate),
      stopDate: Date.parse(record.stopDate ?? new Date().toISOString()),
      input: JSON.stringify(record.input),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
    },
  };
}

const LAMBDA_INVOKE = /^arn:[\w-]+:states:::lambda:invoke(\.waitForTaskToken)?$/;
const LAMBDA_FUNCTION = /^arn:[\w-]+:lambda:[^:]*:\d*:function:[^:]+(:[^:]+)?$/;
/** Step Functions' limit on the data a state passes on. */
const STATE_DATA_LIMIT_BYTES = 256 * 1024;

/** Every state, with states nested in Map and Parallel states. */
function allStates(states: Record<string, AslState>): [string, AslState][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...(state.ItemProcessor ? allStates(state.ItemProcessor.States) : []),
    ...(state.Iterator ? allStates(state.Iterator.States) : []),
    ...(state.Branches ?? []).flatMap((b) => allStates(b.States)),
  ]);
}

/** An error shaped like a Lambda function error in Step Functions: `Error` is the errorType, `Cause` its JSON. */
class LambdaFunctionError extends Error {
  constructor(error: unknown) {
    const e = error instanceof Error ? error : new Error(String(error));
    const errorType = e.name || 'Error';
    super(JSON.stringify({ errorType, errorMessage: e.message, trace: (e.stack ?? '').split('\n') }));
    this.name = errorType;
  }
}

class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** What Lambda does to a payload and a result: a trip through JSON (undefined becomes null). */
const throughJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

/** Runs executions of `definition`, every Lambda task going to `options.invoke`. */
export function createWorkflowRunner(definition: AslDefinition, options: WorkflowRunnerOptions): WorkflowRunner {
  const region = options.region ?? process.env.AWS_REGION ?? 'eu-south-1';
  const name = options.stateMachineName ?? 'local';
  const stateMachineArn = `arn:aws:states:${region}:000000000000:stateMachine:${name}`;
  const log = options.log ?? ((message, error) => console.error(`[step-functions] ${message}`, error ?? ''));

  const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, state] of allStates(definition.States)) {
    if (state.Retry) retryIntervalOverrides[stateName] = options.retryIntervalMs ?? 10;
    if (state.Type !== 'Task') continue;
    const resource = state.Resource ?? '';
    const wrapped = LAMBDA_INVOKE.test(resource);
    if (!wrapped && !LAMBDA_FUNCTION.test(resource)) {
      throw new Error(`the local workflow runner only runs Lambda tasks; state ${stateName} uses ${resource}`);
    }
    taskHandlers[stateName] = async (input) => {
      // lambda:invoke without payloadResponseOnly: the task gets { FunctionName, Payload } and answers with a wrapper.
      const { functionArn, payload } = wrapped
        ? { functionArn: String((input as { FunctionName?: unknown }).FunctionName), payload: (input as { Payload?: unknown }).Payload }
        : { functionArn: resource, payload: input };
      let result: unknown;
      try {
        result = throughJson(await options.invoke(functionArn, throughJson(payload), stateName));
      } catch (error) {
        throw new LambdaFunctionError(error);
      }
      if (JSON.stringify(result).length > STATE_DATA_LIMIT_BYTES) {
        throw new StatesError('States.DataLimitExceeded', `the result of ${stateName} is over ${STATE_DATA_LIMIT_BYTES} bytes`);
      }
      return wrapped ? { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 } : result;
    };
  }

  // Resources are replaced by local handlers, so ARNs need not be real ones.
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
  const executions = new Map<string, ExecutionRecord>();
  const running = new Map<string, { done: Promise<void>; abort: () => void }>();

  return {
    stateMachineArn,
    async startExecution(input, opts = {}) {
      const executionName = opts.name ?? randomUUID();
      const executionArn = `arn:aws:states:${region}:000000000000:execution:${name}:${executionName}`;
      const existing = executions.get(executionArn);
      if (existing) {
        // Step Functions: the same name and input while it runs is the same start; anything else is refused.
        if (existing.status === 'RUNNING' && JSON.stringify(existing.input) === JSON.stringify(throughJson(input))) {
          return { executionArn, startDate: existing.startDate };
        }
        throw new StatesError('ExecutionAlreadyExists', `Execution already exists: '${executionArn}'`);
      }
      const startDate = new Date().toISOString();
      const record: ExecutionRecord = { executionArn, name: executionName, status: 'RUNNING', input: throughJson(input), startDate };
      executions.set(executionArn, record);
      const execution = machine.run(record.input as never, {
        overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides },
        context: {
          Execution: { Id: executionArn, Name: executionName, RoleArn: `arn:aws:iam::000000000000:role/${name}` },
          StateMachine: { Id: stateMachineArn, Name: name },
        },
      });
      const done = execution.result.then(
        (output) => {
          Object.assign(record, { status: 'SUCCEEDED', output, stopDate: new Date().toISOString() });
        },
        (error: Error) => {
          const status: ExecutionStatus =
            error.name === 'ExecutionAbortedError' ? 'ABORTED' : error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
          const cause = (error.cause as Error | undefined) ?? error;
          Object.assign(record, { status, error: cause.name, cause: cause.message, stopDate: new Date().toISOString() });
          if (status === 'FAILED') log(`execution ${executionName} failed: ${cause.name}: ${cause.message}`);
        },
      )
        // As EventBridge runs EndStoppedJob on AWS: before `idle()` resolves, so a test sees the record ended.
        .then(async () => {
          if (record.status === 'SUCCEEDED' || record.status === 'RUNNING' || !options.onStopped) return;
          try {
            await options.onStopped(statusChangeEvent(stateMachineArn, record));
          } catch (error) {
            log(`ending the job of stopped execution ${executionName} failed`, error);
          }
        })
        .finally(() => running.delete(executionArn));
      running.set(executionArn, { done, abort: execution.abort });
      return { executionArn, startDate };
    },
    describeExecution: (arn) => executions.get(arn),
    listExecutions: () => [...executions.values()],
    async idle() {
      while (running.size) await Promise.all([...running.values()].map((r) => r.done));
    },
    async stop() {
      for (const r of running.values()) r.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
  };
}

/** Calls the handler module `entry` as Lambda would, with a context named after the function. */
export function handlerInvoker(entry: string, functionName: string, loadModule: ModuleLoader = moduleLoader(), timeoutMs = 300_000): LambdaInvoker {
  return async (_arn, payload) => {
    const { handler } = await loadModule(entry);
    return handler(payload, lambdaContext(functionName, timeoutMs));
  };
}

// ---------------------------------------------------------------- the export workflow of the CDK app

/** Files whose content decides the synthesised definition (the cache key). */
function definitionSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts')) files.push(path);
    }
  };
  walk(join(REPO_ROOT, 'infra'));
  files.push(join(REPO_ROOT, 'shared', 'routes.ts'), join(REPO_ROOT, 'cdk.json'), join(REPO_ROOT, 'package-lock.json'));
  return files.sort();
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  for (const file of definitionSources()) {
    hash.update(relative(REPO_ROOT, file)).update('\0');
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('(missing)');
    }
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

type WorkflowKind = 'export' | 'insights';
const CACHE_PREFIX: Record<WorkflowKind, string> = { export: 'export-state-machine.', insights: 'insights-state-machine.' };

/**
 * The export state machine's definition exactly as the CDK app deploys it (tokens resolved to local ARNs).
 * Synthesising takes seconds, so with `cacheDir` the result is kept there, keyed by a hash of infra/.
 */
export function loadExportDefinition(opts: { cacheDir?: string } = {}): Promise<AslDefinition> {
  return loadDefinition('export', opts);
}

/** The insights recompute state machine's definition (issue 13), as the CDK app deploys it. */
export function loadInsightsDefinition(opts: { cacheDir?: string } = {}): Promise<AslDefinition> {
  return loadDefinition('insights', opts);
}

async function loadDefinition(kind: WorkflowKind, opts: { cacheDir?: string }): Promise<AslDefinition> {
  const hash = sourcesHash();
  const cacheFile = (k: WorkflowKind) => (opts.cacheDir ? join(opts.cacheDir, `${CACHE_PREFIX[k]}${hash}.json`) : undefined);
  const cached = cacheFile(kind);
  if (cached) {
    try {
      return JSON.parse(readFileSync(cached, 'utf8')) as AslDefinition;
    } catch {
      // not cached yet
    }
  }
  try {
    const definitions = await synthesised(hash);
    if (opts.cacheDir) {
      mkdirSync(opts.cacheDir, { recursive: true });
      for (const k of Object.keys(CACHE_PREFIX) as WorkflowKind[]) keep(opts.cacheDir, k, cacheFile(k)!, definitions[k]);
    }
    return definitions[kind];
  } catch (error) {
    // infra/ mid-edit (or broken): an earlier synthesis is better than no workflow at all.
    const stale = opts.cacheDir ? latestCached(opts.cacheDir, kind) : undefined;
    if (!stale) throw error;
    console.warn(`clientela: could not synthesise the CDK app (${(error as Error).message}); using the ${kind} workflow cached on ${stale.at}`);
    return stale.definition;
  }
}

/**
 * Both definitions come from one synthesis of the app (seconds of CPU, the longest part of a first start),
 * made once per process and per version of the sources: `npm start` asks for the export workflow, then the
 * insights one.
 */
const synthesising = new Map<string, Promise<Record<WorkflowKind, AslDefinition>>>();
function synthesised(hash: string): Promise<Record<WorkflowKind, AslDefinition>> {
  let pending = synthesising.get(hash);
  if (!pending) {
    pending = synthesiseDefinitions();
    synthesising.set(hash, pending);
    pending.catch(() => synthesising.delete(hash));
  }
  return pending;
}

/**
 * Writes one definition to the cache, replacing its older versions. Through a file of its own and a rename:
 * instances starting side by side on one cache (the e2e tests, the benchmarks) never read half a file.
 */
function keep(cacheDir: string, kind: WorkflowKind, cacheFile: string, definition: AslDefinition) {
  for (const old of readdirSync(cacheDir)) {
    if (old.startsWith(CACHE_PREFIX[kind]) && old.endsWith('.json') && join(cacheDir, old) !== cacheFile) rmSync(join(cacheDir, old), { force: true });
  }
  const partial = `${cacheFile}.${process.pid}.${randomUUID()}.partial`;
  writeFileSync(partial, JSON.stringify(definition, null, 2));
  renameSync(partial, cacheFile);
}

function latestCached(cacheDir: string, kind: WorkflowKind): { definition: AslDefinition; at: string } | undefined {
  try {
    const [newest] = readdirSync(cacheDir)
      .filter((f) => f.startsWith(CACHE_PREFIX[kind]) && f.endsWith('.json'))
      .map((f) => ({ path: join(cacheDir, f), mtime: statSync(join(cacheDir, f)).mtime }))
      .sort((a, b) => b.mtime.getTime() - a.mtime.getTime());
    if (!newest) return undefined;
    return { definition: JSON.parse(readFileSync(newest.path, 'utf8')) as AslDefinition, at: newest.mtime.toISOString() };
  } catch {
    return undefined;
  }
}

async function synthesiseDefinitions(): Promise<Record<WorkflowKind, AslDefinition>> {
  const [{ buildApp, SKIP_BUNDLING }, { resolveStateMachineDefinition }, { ExportWorkflow }, { InsightsWorkflow }] = await Promise.all([
    import('../infra/build-app.ts'),
    import('../infra/state-machine-definition.ts'),
    import('../infra/export-workflow.ts'),
    import('../infra/insights-workflow.ts'),
  ]);
  const outdir = mkdtempSync(join(tmpdir(), 'clientela-synth-'));
  try {
    const { app, stack } = buildApp({ context: SKIP_BUNDLING, nag: false, outdir });
    const template = app.synth().getStackArtifact(stack.artifactId).template;
    const definition = (Construct: typeof ExportWorkflow | typeof InsightsWorkflow): AslDefinition => {
      const workflow = stack.node.findAll().find((c) => c instanceof Construct) as { stateMachine: { node: { defaultChild: unknown } } } | undefined;
      if (!workflow) throw new Error(`the CDK app has no ${Construct.name}`);
      return resolveStateMachineDefinition(template, { logicalId: stack.getLogicalId(workflow.stateMachine.node.defaultChild as never) }) as AslDefinition;
    };
    return { export: definition(ExportWorkflow), insights: definition(InsightsWorkflow) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** EndStoppedJob's handler, as the stack's EventBridge rule runs it for a stopped execution (infra/stopped-jobs.ts). */
function endStoppedJob(loadModule?: ModuleLoader): WorkflowRunnerOptions['onStopped'] {
  const invoke = handlerInvoker(WORKFLOW_WORKERS.endStoppedJob.entry, `clientela-${WORKFLOW_WORKERS.endStoppedJob.name}`, loadModule, 10_000);
  return (event) => invoke('', event, 'EndStoppedJob');
}

/** The export workflow, every task calling WORKERS.exportTask's handler (the one function it invokes). */
export async function exportWorkflowRunner(opts: { cacheDir?: string; loadModule?: ModuleLoader; log?: WorkflowRunnerOptions['log'] } = {}): Promise<WorkflowRunner> {
  const definition = await loadExportDefinition({ cacheDir: opts.cacheDir });
  return createWorkflowRunner(definition, {
    stateMachineName: 'clientela-export',
    invoke: handlerInvoker(WORKERS.exportTask.entry, `clientela-${WORKERS.exportTask.name}`, opts.loadModule),
    log: opts.log,
    onStopped: endStoppedJob(opts.loadModule),
  });
}

/** The insights recompute workflow, every task calling INSIGHTS_WORKERS.insightsTask's handler. */
export async function insightsWorkflowRunner(
  opts: { cacheDir?: string; loadModule?: ModuleLoader; log?: WorkflowRunnerOptions['log']; retryIntervalMs?: number } = {},
): Promise<WorkflowRunner> {
  const definition = await loadInsightsDefinition({ cacheDir: opts.cacheDir });
  return createWorkflowRunner(definition, {
    stateMachineName: 'clientela-insights',
    invoke: handlerInvoker(INSIGHTS_WORKERS.insightsTask.entry, `clientela-${INSIGHTS_WORKERS.insightsTask.name}`, opts.loadModule, 900_000),
    log: opts.log,
    retryIntervalMs: opts.retryIntervalMs,
    onStopped: endStoppedJob(opts.loadModule),
  });
}
