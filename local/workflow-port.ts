/**
 * Connects the local workflow runner to the port handlers start workflows through (shared/workflows.ts).
 * On AWS the port calls StartExecution; locally it calls the starter registered here.
 */
import { setWorkflowStarter, type WorkflowStarter } from '../shared/workflows.ts';
import type { WorkflowRunner } from './step-functions.ts';

/**
 * Registers `runner` as the export workflow's starter; returns the function that unregisters it.
 * Starting an execution whose name is taken answers the existing execution, as the port does with
 * Step Functions' ExecutionAlreadyExists (a retried request starts one export, not two).
 */
export function registerExportRunner(runner: WorkflowRunner, workflow: 'export' | 'insights' = 'export'): () => void {
  const starter: WorkflowStarter = async (input, options) => {
    try {
      return await runner.startExecution(input, options);
    } catch (e) {
      const existing = options?.name ? runner.listExecutions().find((x) => x.name === options.name) : undefined;
      if ((e as Error).name === 'ExecutionAlreadyExists' && existing) {
        return { executionArn: existing.executionArn, startDate: existing.startDate };
      }
      throw e;
    }
  };
  setWorkflowStarter(starter, workflow);
  return () => setWorkflowStarter(undefined, workflow);
}

/** Registers `runner` as the insights recompute workflow's starter (issue 13). */
export const registerInsightsRunner = (runner: WorkflowRunner) => registerExportRunner(runner, 'insights');
