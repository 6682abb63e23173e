/**
 * Turns the state machine definition CDK synthesises (a `DefinitionString` that is an `Fn::Join` of strings,
 * `Ref`s and `Fn::GetAtt`s) back into a plain Amazon States Language object, with every CloudFormation token
 * replaced by a fixed, local-looking value. Used by the infra tests (asl-validator) and by the local runtime
 * (aws-local-stepfunctions), so both run exactly the definition that is deployed.
 *
 * Free of aws-cdk-lib: it works on the template JSON (`Template.fromStack(stack).toJSON()` or a
 * `cdk.out/*.template.json` file).
 */

export const LOCAL_PARTITION = 'aws';
export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';

/** The ARN a Lambda function's `Fn::GetAtt [id, Arn]` resolves to. */
export function localLambdaArn(logicalId: string): string {
  return `arn:${LOCAL_PARTITION}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

export interface CfnTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> } | undefined>;
}

/** An Amazon States Language definition (only the parts this module relies on are typed). */
export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  TimeoutSeconds?: number;
  [key: string]: unknown;
}

export interface AslState {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  ItemProcessor?: { StartAt: string; States: Record<string, AslState>; [key: string]: unknown };
  Iterator?: { StartAt: string; States: Record<string, AslState>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface ResolveOptions {
  /** Logical id of the state machine; needed only when the template holds more than one. */
  logicalId?: string;
  /**
   * Values for `Ref`/`Fn::GetAtt` of specific logical ids, checked before the defaults:
   * `{ 'MyFunction12AB': 'arn:...' }` (Ref and every attribute) or `{ 'MyFunction12AB.Arn': 'arn:...' }`.
   */
  overrides?: Record<string, string>;
}

const PSEUDO: Record<string, string> = {
  'AWS::Partition': LOCAL_PARTITION,
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'local',
  'AWS::StackId': `arn:${LOCAL_PARTITION}:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/local/local`,
  'AWS::NoValue': '',
};

/** Logical ids of the state machines in a template. */
export function findStateMachines(template: CfnTemplate): string[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r?.Type === 'AWS::StepFunctions::StateMachine')
    .map(([id]) => id);
}

/**
 * The ASL definition of the (only, or `options.logicalId`) state machine in `template`, tokens resolved:
 * Lambda `Fn::GetAtt [id, Arn]` → `arn:aws:lambda:local:000000000000:function:<id>`, `Ref` of a pseudo
 * parameter → a local value (`aws`, `local`, `000000000000`), other references → fake but well-formed values.
 * `DefinitionSubstitutions` are applied. Throws on anything it cannot resolve rather than guessing.
 *
 * `T` lets a caller name its library's definition type, e.g.
 * `resolveStateMachineDefinition<StateMachineDefinition>(template)` for aws-local-stepfunctions.
 */
export function resolveStateMachineDefinition<T = AslDefinition>(template: CfnTemplate, options: ResolveOptions = {}): T {
  const ids = findStateMachines(template);
  const logicalId = options.logicalId ?? (ids.length === 1 ? ids[0] : undefined);
  if (!logicalId) {
    throw new Error(
      ids.length === 0
        ? 'resolveStateMachineDefinition: the template has no AWS::StepFunctions::StateMachine'
        : `resolveStateMachineDefinition: the template has ${ids.length} state machines (${ids.join(', ')}); pass options.logicalId`,
    );
  }
  const resource = template.Resources?.[logicalId];
  if (!resource || resource.Type !== 'AWS::StepFunctions::StateMachine') {
    throw new Error(`resolveStateMachineDefinition: ${logicalId} is not a state machine in this template`);
  }
  const props = resource.Properties ?? {};
  const resolver = new Resolver(template, options.overrides ?? {});

  let definition: unknown;
  if (props.DefinitionString !== undefined) {
    const text = resolver.toString(props.DefinitionString);
    definition = JSON.parse(applySubstitutions(text, props.DefinitionSubstitutions, resolver));
  } else if (props.Definition !== undefined) {
    // Inline object form: resolve tokens anywhere inside, then substitutions on the JSON text.
    const text = JSON.stringify(resolver.deep(props.Definition));
    definition = JSON.parse(applySubstitutions(text, props.DefinitionSubstitutions, resolver));
  } else {
    throw new Error(`resolveStateMachineDefinition: ${logicalId} has no DefinitionString or Definition (S3 definitions are not supported)`);
  }
  if (!isDefinition(definition)) {
    throw new Error(`resolveStateMachineDefinition: ${logicalId} does not resolve to an ASL definition (no StartAt/States)`);
  }
  return definition as T;
}

/** Names of every state in a definition, including states nested in Map/Parallel branches. */
export function stateNames(definition: { States: Record<string, unknown> }): string[] {
  const names: string[] = [];
  const visit = (states: Record<string, unknown>) => {
    for (const [name, state] of Object.entries(states)) {
      names.push(name);
      const s = state as AslState & { Branches?: { States: Record<string, unknown> }[] };
      if (s.ItemProcessor) visit(s.ItemProcessor.States);
      if (s.Iterator) visit(s.Iterator.States);
      for (const branch of s.Branches ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  return names;
}

function isDefinition(x: unknown): x is AslDefinition {
  return typeof x === 'object' && x !== null && typeof (x as AslDefinition).StartAt === 'string' && typeof (x as AslDefinition).States === 'object';
}

function applySubstitutions(text: string, substitutions: unknown, resolver: Resolver): string {
  if (substitutions === undefined) return text;
  if (typeof substitutions !== 'object' || substitutions === null) {
    throw new Error('resolveStateMachineDefinition: DefinitionSubstitutions is not an object');
  }
  let out = text;
  for (const [key, value] of Object.entries(substitutions)) {
    out = out.split('${' + key + '}').join(resolver.toString(value));
  }
  return out;
}

class Resolver {
  constructor(
    private readonly template: CfnTemplate,
    private readonly overrides: Record<string, string>,
  ) {}

  /** A token that must produce a string (pieces of `Fn::Join`, substitution values). */
  toString(node: unknown): string {
    if (typeof node === 'string') return node;
    if (typeof node === 'number' || typeof node === 'boolean') return String(node);
    if (typeof node !== 'object' || node === null) throw new Error(`cannot resolve ${JSON.stringify(node)}`);
    const obj = node as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length !== 1) throw new Error(`cannot resolve ${JSON.stringify(node)}`);
    const [fn] = keys;
    const arg = obj[fn];
    switch (fn) {
      case 'Ref':
        return this.ref(this.toString(arg));
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg.map((a) => this.toString(a)) : splitOnce(this.toString(arg), '.');
        return this.getAtt(id, attr);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2 || !Array.isArray(arg[1])) {
          throw new Error(`malformed Fn::Join ${JSON.stringify(node)}`);
        }
        const [delimiter, parts] = arg as [unknown, unknown[]];
        return parts.map((p) => this.toString(p)).join(this.toString(delimiter));
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? [this.toString(arg[0]), (arg[1] ?? {}) as Record<string, unknown>] : [this.toString(arg), {}];
        return text.replace(/\$\{(!?)([^}]*)\}/g, (_m, literal: string, name: string) => {
          if (literal) return '${' + name + '}';
          if (name in vars) return this.toString(vars[name]);
          if (name.includes('.')) {
            const [id, attr] = splitOnce(name, '.');
            return this.getAtt(id, attr);
          }
          return this.ref(name);
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = Array.isArray(list) ? list : this.toString(list).split(',');
        return this.toString(items[Number(this.toString(index))]);
      }
      default:
        throw new Error(`unsupported intrinsic ${fn} in ${JSON.stringify(node)}`);
    }
  }

  /** Resolves tokens anywhere inside a JSON value (for an inline `Definition` object). */
  deep(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.deep(n));
    if (typeof node === 'object' && node !== null) {
      const keys = Object.keys(node);
      if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return this.toString(node);
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, this.deep(v)]));
    }
    return node;
  }

  private ref(name: string): string {
    if (name in this.overrides) return this.overrides[name];
    if (name in PSEUDO) return PSEUDO[name];
    const resource = this.template.Resources?.[name];
    if (!resource) throw new Error(`Ref to unknown logical id ${name}`);
    // Ref of a Lambda function is its name; of most other resources, a name-like id. The logical id is a
    // stable, unique stand-in (and matches the function name used in localLambdaArn).
    return name;
  }

  private getAtt(id: string, attr: string): string {
    const key = `${id}.${attr}`;
    if (key in this.overrides) return this.overrides[key];
    if (id in this.overrides) return this.overrides[id];
    const resource = this.template.Resources?.[id];
    if (!resource) throw new Error(`Fn::GetAtt of unknown logical id ${id}`);
    if (attr === 'Arn') return fakeArn(resource.Type, id);
    if (attr === 'Name' || attr === 'FunctionName') return id;
    throw new Error(`unsupported Fn::GetAtt ${key} (${resource.Type})`);
  }
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  if (i < 0) throw new Error(`expected "${sep}" in ${s}`);
  return [s.slice(0, i), s.slice(i + sep.length)];
}

function fakeArn(type: string, id: string): string {
  const prefix = `arn:${LOCAL_PARTITION}`;
  switch (type) {
    case 'AWS::Lambda::Function':
      return localLambdaArn(id);
    case 'AWS::StepFunctions::StateMachine':
      return `${prefix}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${id}`;
    case 'AWS::SQS::Queue':
      return `${prefix}:sqs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`;
    case 'AWS::SNS::Topic':
      return `${prefix}:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${id}`;
    case 'AWS::DynamoDB::Table':
      return `${prefix}:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${id}`;
    case 'AWS::S3::Bucket':
      return `${prefix}:s3:::${id.toLowerCase()}`;
    case 'AWS::IAM::Role':
      return `${prefix}:iam::${LOCAL_ACCOUNT}:role/${id}`;
    case 'AWS::Logs::LogGroup':
      return `${prefix}:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${id}:*`;
    default: {
      // AWS::Service::Thing → service, thing
      const [, service = 'unknown', kind = 'resource'] = type.split('::');
      return `${prefix}:${service.toLowerCase()}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${kind.toLowerCase()}/${id}`;
    }
  }
}
