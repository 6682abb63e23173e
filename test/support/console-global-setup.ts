/**
 * One `npm start` for every console e2e file of the run (the `e2e-console` project), started here once:
 * each file used to start its own, a DynamoDB Local and a synthesis of the workflows each time, about half of
 * a console file's time on a busy machine. The files keep apart as a business's users do, each in a tenant of
 * its own (test/support/console-browser.ts), except console.test.ts, which is the demo tenant's.
 */
import type { TestProject } from 'vitest/node';
import { startLocal } from '../../bench/local-instance.ts';
import { E2E_TIMEOUT_MS } from './timeouts.ts';

export interface SharedInstance {
  url: string;
  secretKey: string;
  publishableKey: string;
  outboxDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    consoleInstance: SharedInstance;
  }
}

export default async function setup(project: TestProject) {
  const api = await startLocal(E2E_TIMEOUT_MS, { keepWorkflowCache: true });
  project.provide('consoleInstance', { url: api.url, secretKey: api.secretKey, publishableKey: api.publishableKey, outboxDir: api.outboxDir });
  return () => api.stop();
}
