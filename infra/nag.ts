import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 acknowledgements. A rule that reports several findings on one resource (IAM5: one per
 * wildcard) is acknowledged per finding, `AwsSolutions-IAM5[Resource::<Bucket1234.Arn>/imports/*]`, so an
 * acknowledgement never covers a wildcard nobody looked at. These helpers build those finding ids from the
 * same tokens the grants use, the way cdk-nag prints them.
 */

/** Acknowledge a rule for `scope` and everything under it. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** Acknowledge IAM5 findings for wildcard resources (ARN strings or tokens) granted under `scope`. */
export function acknowledgeWildcardResources(scope: IConstruct, resources: string[], reason: string): void {
  const render = () => resources.map((resource) => `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`);
  for (const id of render()) acknowledge(scope, id, reason);
  // In a nested stack (the API's functions: infra/api-routes.ts) a token of the parent's (the table's ARN)
  // becomes a parameter of the nested template when the app is prepared for synthesis, and cdk-nag, which
  // runs after that, names the finding after it (`<referencetoClientelaStatefulTable…Arn>/index/*`). The same
  // resources, rendered again once references are resolved: construct validation runs after preparation and
  // before the validation plugins, and acknowledges them under the same scope.
  if (Stack.of(scope).nested) {
    scope.node.addValidation({
      validate: () => {
        for (const id of render()) acknowledge(scope, id, reason);
        return [];
      },
    });
  }
}

/** Acknowledge IAM5 findings for wildcard actions (`s3:GetObject*`) granted under `scope`. */
export function acknowledgeWildcardActions(scope: IConstruct, actions: string[], reason: string): void {
  for (const action of actions) {
    acknowledge(scope, `AwsSolutions-IAM5[Action::${action}]`, reason);
  }
}

/** Acknowledge IAM4 for an AWS managed policy (`service-role/AWSLambdaBasicExecutionRole`). */
export function acknowledgeManagedPolicy(scope: IConstruct, policyName: string, reason: string): void {
  acknowledge(scope, `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`, reason);
}

/** Same rendering as cdk-nag's flattenCfnReference: `{Fn::GetAtt:[Id,Arn]}` → `<Id.Arn>`, `{Ref:X}` → `<X>`. */
export function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const o = node as Record<string, unknown>;
    if (o['Fn::Join']) {
      const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (o['Fn::Sub']) return flatten(o['Fn::Sub']);
    if (o['Fn::GetAtt']) {
      const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (o['Fn::ImportValue']) return flatten(o['Fn::ImportValue']);
    if (o.Ref) return `<${flatten(o.Ref)}>`;
  }
  return JSON.stringify(node);
}
