import { ArnFormat, SecretValue, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Access, BucketAccess, Workflow } from '../shared/routes.ts';
import type { ClientelaFunction } from './constructs/function.ts';
import { FAIR_USE_PREFIX } from '../shared/store/keys.ts';
import { stageSettings } from './stage.ts';

/** What an `Access` declaration can name. */
export interface AccessTargets {
  table: dynamodb.Table;
  importBucket: s3.IBucket;
  exportBucket: s3.IBucket;
  /** The state machines of the workflows a declaration may start. */
  workflows?: Partial<Record<Workflow, sfn.IStateMachine>>;
  /** The key sealing the tenant secrets. Needed by `kms`. */
  secretsKey?: kms.IKey;
  /** The SES sender: the From address and the ARN of its verified identity. Needed by `sendMail`. */
  mail?: { from: string; identityArn: string };
  /** The secret that signs page cursors (CURSOR_SECRET). Needed by `cursors`. */
  cursorSecret?: secretsmanager.ISecret;
}

/**
 * Grants a function exactly what its row declares (shared/routes.ts `Access`), and sets the environment that
 * goes with it (`<WORKFLOW>_STATE_MACHINE_ARN` such as EXPORT_STATE_MACHINE_ARN, MAIL_FROM, SECRETS_KMS_KEY_ID,
 * CURSOR_SECRET). Nothing else: every function's role starts with its own log group only (ClientelaFunction).
 */
export function grantAccess(fn: ClientelaFunction, access: Access, targets: AccessTargets): void {
  if (access.table === 'read') fn.grantTableRead(targets.table);
  if (access.table === 'write') fn.grantTableReadWrite(targets.table);
  if (access.tableUpdates) {
    if (access.table !== 'read') throw new Error(`${fn.node.path}: tableUpdates narrows a read route's writes; with table: '${access.table}' it means nothing`);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [targets.table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...access.tableUpdates] } },
      }),
    );
  }

  grantObjects(fn, 'import', targets.importBucket, access.importBucket);
  grantObjects(fn, 'export', targets.exportBucket, access.exportBucket);

  for (const workflow of access.startWorkflows ?? []) {
    const stateMachine = required(fn, `startWorkflows: ${workflow}`, targets.workflows?.[workflow]);
    stateMachine.grantStartExecution(fn);
    fn.addEnvironment(`${workflow.toUpperCase()}_STATE_MACHINE_ARN`, stateMachine.stateMachineArn);
  }

  if (access.kms) {
    const key = required(fn, `kms: ${access.kms}`, targets.secretsKey);
    // Only with the tenant secrets' encryption context (shared/secrets/kms-key.ts): the key serves nothing else.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: access.kms === 'encrypt' ? ['kms:Decrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:app': 'clientela', 'kms:EncryptionContext:purpose': 'tenant-secrets' } },
      }),
    );
    fn.addEnvironment('SECRETS_KMS_KEY_ID', key.keyArn);
  }

  if (access.sendMail) {
    const mail = required(fn, 'sendMail', targets.mail);
    // Only as the configured identity, and only from its own address.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [mail.identityArn],
        conditions: { StringEquals: { 'ses:FromAddress': mail.from } },
      }),
    );
    fn.addEnvironment('MAIL_FROM', mail.from);
  }

  if (access.cursors) {
    const secret = required(fn, 'cursors', targets.cursorSecret);
    // Resolved by CloudFormation at deploy time (a dynamic reference built in the function's own template
    // around the secret's ARN): no runtime call, no grant; only these functions' configuration shows it.
    // CloudFormation resolves a reference only when it updates the resource holding it, and an unchanged
    // reference updates nothing: a new value put in the secret reaches the functions only with a new version
    // id pinned here (`-c cursorSecretVersion=`, docs/secrets.md, Rotation), which changes their template.
    const { cursorSecretVersion } = stageSettings(fn);
    const value = cursorSecretVersion ? SecretValue.secretsManager(secret.secretArn, { versionId: cursorSecretVersion }) : secret.secretValue;
    fn.addEnvironment('CURSOR_SECRET', value.unsafeUnwrap());
  }

  if (access.invokeSelf) {
    // A fixed name lets the policy name the function without referencing its ARN, which would make the role
    // depend on the function that depends on the role (CloudFormation refuses the cycle).
    // The top-level stack's name: a nested stack's is a token (and long), no name to put in a policy.
    let stack = Stack.of(fn);
    while (stack.nestedStackParent) stack = stack.nestedStackParent;
    const functionName = `${stack.stackName}-${fn.node.id}`;
    if (functionName.length > 64) throw new Error(`the function name ${functionName} is longer than Lambda's 64 characters: use a shorter stack name`);
    (fn.node.defaultChild as lambda.CfnFunction).functionName = functionName;
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [stack.formatArn({ service: 'lambda', resource: 'function', resourceName: functionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );
  }
}

/**
 * Every keyed route counts its request against the tenant's fair-use limit (shared/domain/rate-limit.ts):
 * UpdateItem on the fair-use counter items only (their partition keys, and no others, start with `RATE#`,
 * shared/store/keys.ts), so a route that only reads the table gains no other write.
 */
export function grantFairUseCounter(fn: ClientelaFunction, table: dynamodb.Table): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${FAIR_USE_PREFIX}*`] } },
    }),
  );
}

/** One statement per key prefix, with the object actions declared on it. */
function grantObjects(fn: ClientelaFunction, label: string, bucket: s3.IBucket, declared: BucketAccess<string> | undefined): void {
  if (!declared) return;
  const byPrefix = new Map<string, Set<string>>();
  const add = (prefixes: readonly string[] | undefined, ...actions: string[]) => {
    for (const prefix of prefixes ?? []) {
      const set = byPrefix.get(prefix) ?? new Set<string>();
      for (const action of actions) set.add(action);
      byPrefix.set(prefix, set);
    }
  };
  add(declared.read, 's3:GetObject', ...(declared.versions ? ['s3:GetObjectVersion'] : []));
  add(declared.write, 's3:PutObject', ...(declared.multipart ? ['s3:AbortMultipartUpload'] : []));
  add(declared.delete, 's3:DeleteObject', ...(declared.versions ? ['s3:DeleteObjectVersion'] : []));
  add(declared.purgeVersions, 's3:DeleteObjectVersion');

  for (const [prefix, actions] of byPrefix) {
    const objects = bucket.arnForObjects(`${prefix}*`);
    const list = [...actions].sort();
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: list, resources: [objects] }));
    fn.acknowledgeWildcardResources(
      [objects],
      `${list.join(', ')} on objects under ${prefix} in the ${label} bucket only, as declared in shared/routes.ts; their keys hold tenant and object ids known only at run time.`,
    );
  }

  // Listing versions is a bucket action: only of keys under the declared prefixes (the request's `prefix`).
  if (declared.purgeVersions?.length) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucketVersions'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': declared.purgeVersions.map((p) => `${p}*`) } },
      }),
    );
  }
}

function required<T>(fn: ClientelaFunction, what: string, target: T | undefined): T {
  if (target === undefined) throw new Error(`${fn.node.path} declares ${what}, but no target for it was given to grantAccess`);
  return target;
}
