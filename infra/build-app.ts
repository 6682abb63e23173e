import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Validations, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { ClientelaStack } from './clientela-stack.ts';
import { REPO_ROOT } from './paths.ts';

export const STACK_ID = 'Clientela';

/** Context that makes NodejsFunction skip esbuild (tests, the local runtime reading the definition). */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

export interface BuildAppOptions {
  /** Extra context, e.g. SKIP_BUNDLING. cdk.json's context is always applied first. */
  context?: Record<string, unknown>;
  /** Register cdk-nag AwsSolutionsChecks and ServerlessChecks so synthesis fails on unacknowledged findings. @default true */
  nag?: boolean;
  /** @default environment-agnostic */
  env?: Environment;
  /** @default STACK_ID */
  stackId?: string;
  /** Cloud assembly directory. @default CDK_OUTDIR (CLI) or a temporary directory */
  outdir?: string;
}

export interface ClientelaApp {
  app: App;
  stack: ClientelaStack;
  /** The cdk-nag AwsSolutions pack registered on the app (undefined when `nag: false`). */
  nag?: AwsSolutionsChecks;
  /** The cdk-nag Serverless pack registered beside it (undefined when `nag: false`). */
  serverlessNag?: ServerlessChecks;
}

/** The feature flags and other context from cdk.json, so tests build exactly what `cdk synth` builds. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

/** Builds the clientela app; used by infra/app.ts (the CDK CLI) and by the tests. */
export function buildApp(options: BuildAppOptions = {}): ClientelaApp {
  const app = new App({
    context: { ...cdkJsonContext(), ...options.context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = new ClientelaStack(app, options.stackId ?? STACK_ID, { env: options.env });
  let nag: AwsSolutionsChecks | undefined;
  let serverlessNag: ServerlessChecks | undefined;
  if (options.nag ?? true) {
    nag = new AwsSolutionsChecks(app);
    serverlessNag = new ServerlessChecks(app);
    Validations.of(app).addPlugins(nag, serverlessNag);
  }
  return { app, stack, nag, serverlessNag };
}
