import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ImportStore } from '../import/import.ports.ts';
import { dynamoImportJobs } from './import-job.store.ts';
import { dynamoImportUndo } from './import-undo.store.ts';
import { dynamoImportWindows } from './import-window.store.ts';
export type { ClaimResult, ClaimRequest, ImportStore } from '../import/import.ports.ts';

/**
 * The import store, in three adapters: jobs (claim and lease writes), windows (match, commit, report, dry
 * run) and undo. Each holds DynamoDB requests only; the rules are the use cases' (shared/import/).
 */
export function dynamoImportStore(db: DynamoDBDocumentClient, TableName: string): ImportStore {
  const windows = dynamoImportWindows(db, TableName);
  // A dry run's would-be cards and identities hold personal data: they go as soon as the run ends.
  const { removeDryRunState, ...windowMethods } = windows;
  return { ...dynamoImportJobs(db, TableName, removeDryRunState), ...windowMethods, ...dynamoImportUndo(db, TableName) };
}
