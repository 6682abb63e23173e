#!/usr/bin/env node
/** CDK entry point (cdk.json: `npx tsx infra/app.ts`). */
import { buildApp } from './build-app.ts';

const { app } = buildApp({
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
