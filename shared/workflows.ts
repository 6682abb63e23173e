import { SFNClient, StartExecutionCommand, ExecutionAlreadyExists } from '@aws-sdk/client-sfn';
import { config } from './config.ts';
import { SDK_RETRY } from './sdk-retry.ts';

/**
 * The port that starts workflows. On AWS: StartExecution on the export state machine
 * (EXPORT_STATE_MACHINE_ARN). Locally there is no Step Functions endpoint: the local runtime
 * (local/step-functions.ts, local/workflow-port.ts) registers a starter in a registry on `globalThis`
 * under `Symbol.for('clientela.workflowStarters')`, so this module never imports local/ code (which is
 * not bundled into a Lambda) and both sides share one registry whatever path they were loaded by.
 */
export interface ExportExecutionInput {
  tenantId: string;
  exportId: string;
}

/** Starts an execution in the background (like StartExecution) and resolves once it is started. */
export type WorkflowStarter = (input: unknown, options?: { name?: string }) => Promise<{ executionArn: string; startDate: string }>;

const WORKFLOW_STARTERS = Symbol.for('clientela.workflowStarters');
type Registry = Partial<Record<'export' | 'insights', WorkflowStarter>>;
const registry = (): Registry => ((globalThis as unknown as Record<symbol, Registry | undefined>)[WORKFLOW_STARTERS] ??= {});

/** Registers (or with undefined removes) the local starter of the export (default) or insights workflow. */
export function setWorkflowStarter(starter: WorkflowStarter | undefined, workflow: 'export' | 'insights' = 'export'): void {
  if (starter) registry()[workflow] = starter;
  else delete registry()[workflow];
}

let sfn: SFNClient | undefined;

/**
 * Starts a workflow's execution named `name`, so starting the same thing twice (a retried request) starts
 * one execution: Step Functions answers ExecutionAlreadyExists for the second, which answers the first's ARN.
 * Locally, the runner the runtime registered runs it instead.
 */
async function start(workflow: 'export' | 'insights', arnVariable: 'EXPORT_STATE_MACHINE_ARN' | 'INSIGHTS_STATE_MACHINE_ARN', name: string, input: object): Promise<{ executionArn: string }> {
  const local = registry()[workflow];
  if (local) return local(input, { name });
  const { [arnVariable]: stateMachineArn, AWS_REGION } = config();
  if (!stateMachineArn) throw new Error(`clientela: ${arnVariable} is not set and no local workflow starter is registered`);
  sfn ??= new SFNClient({ region: AWS_REGION, ...SDK_RETRY });
  try {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { executionArn: executionArn! };
  } catch (e) {
    if (e instanceof ExecutionAlreadyExists) return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` };
    throw e;
  }
}

/** Starts the export workflow, named after the export. */
export const startExport = (input: ExportExecutionInput) => start('export', 'EXPORT_STATE_MACHINE_ARN', input.exportId, input);

// ---- Insights (issue 13): the recompute workflow ----
export interface InsightsExecutionInput {
  tenantId: string;
  recomputeId: string;
}

/** Starts the insights recompute workflow (INSIGHTS_STATE_MACHINE_ARN), named after the recompute. */
export const startInsights = (input: InsightsExecutionInput) => start('insights', 'INSIGHTS_STATE_MACHINE_ARN', input.recomputeId, input);
