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
 * Starts the export workflow. The execution is named after the export, so starting the same export twice
 * (a retried request) starts one execution: Step Functions answers ExecutionAlreadyExists for the second.
 */
export async function startExport(input: ExportExecutionInput): Promise<{ executionArn: string }> {
  const name = input.exportId;
  const local = registry().export;
  if (local) return local(input, { name });
  const { EXPORT_STATE_MACHINE_ARN: stateMachineArn, AWS_REGION } = config();
  if (!stateMachineArn) throw new Error('clientela: EXPORT_STATE_MACHINE_ARN is not set and no local workflow starter is registered');
  sfn ??= new SFNClient({ region: AWS_REGION, ...SDK_RETRY });
  try {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { executionArn: executionArn! };
  } catch (e) {
    if (e instanceof ExecutionAlreadyExists) return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` };
    throw e;
  }
}

// ---- Insights (issue 13): the recompute workflow ----
export interface InsightsExecutionInput {
  tenantId: string;
  recomputeId: string;
}

/** Starts the insights recompute workflow (INSIGHTS_STATE_MACHINE_ARN), named after the recompute. */
export async function startInsights(input: InsightsExecutionInput): Promise<{ executionArn: string }> {
  const name = input.recomputeId;
  const local = registry().insights;
  if (local) return local(input, { name });
  const { INSIGHTS_STATE_MACHINE_ARN: stateMachineArn, AWS_REGION } = config();
  if (!stateMachineArn) throw new Error('clientela: INSIGHTS_STATE_MACHINE_ARN is not set and no local workflow starter is registered');
  sfn ??= new SFNClient({ region: AWS_REGION });
  try {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { executionArn: executionArn! };
  } catch (e) {
    if (e instanceof ExecutionAlreadyExists) return { executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` };
    throw e;
  }
}
