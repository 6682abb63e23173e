import { describe, expect, it } from 'vitest';
import {
  findStateMachines,
  localLambdaArn,
  resolveStateMachineDefinition,
  stateNames,
  type CfnTemplate,
} from '../../infra/state-machine-definition.ts';

const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

const template = (definitionString: unknown, extra: Record<string, unknown> = {}): CfnTemplate => ({
  Resources: {
    Worker1234: { Type: 'AWS::Lambda::Function', Properties: {} },
    Queue99: { Type: 'AWS::SQS::Queue', Properties: {} },
    Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: definitionString, ...extra } },
  },
});

describe('resolveStateMachineDefinition', () => {
  it('resolves Fn::Join of strings, Ref AWS::Partition and Fn::GetAtt of a Lambda', () => {
    const def = resolveStateMachineDefinition(
      template(
        join(
          '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"',
          { 'Fn::GetAtt': ['Worker1234', 'Arn'] },
          '","Next":"B"},"B":{"Type":"Task","Resource":"arn:',
          { Ref: 'AWS::Partition' },
          ':states:::sqs:sendMessage","Parameters":{"QueueUrl":"',
          { Ref: 'Queue99' },
          '"},"End":true}}}',
        ),
      ),
    );
    expect(def.States.A.Resource).toBe('arn:aws:lambda:local:000000000000:function:Worker1234');
    expect(def.States.A.Resource).toBe(localLambdaArn('Worker1234'));
    expect(def.States.B.Resource).toBe('arn:aws:states:::sqs:sendMessage');
    expect(def.States.B.Parameters).toEqual({ QueueUrl: 'Queue99' });
  });

  it('accepts the "Id.Attr" string form of Fn::GetAtt, nested joins and a plain string definition', () => {
    const nested = join('{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"', join({ 'Fn::GetAtt': 'Worker1234.Arn' }), '","End":true}}}');
    expect(resolveStateMachineDefinition(template(nested)).States.A.Resource).toBe(localLambdaArn('Worker1234'));
    const plain = '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}';
    expect(resolveStateMachineDefinition(template(plain)).States.A.Type).toBe('Pass');
  });

  it('applies DefinitionSubstitutions and Fn::Sub', () => {
    const def = resolveStateMachineDefinition(
      template('{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${fn}","Comment":"${note}","End":true}}}', {
        DefinitionSubstitutions: {
          fn: { 'Fn::GetAtt': ['Worker1234', 'Arn'] },
          note: { 'Fn::Sub': 'in ${AWS::Region} for ${Queue99.Arn} ${!Literal}' },
        },
      }),
    );
    expect(def.States.A.Resource).toBe(localLambdaArn('Worker1234'));
    expect(def.States.A.Comment).toBe('in local for arn:aws:sqs:local:000000000000:Queue99 ${Literal}');
  });

  it('lets callers override a token', () => {
    const def = resolveStateMachineDefinition(
      template(join('{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['Worker1234', 'Arn'] }, '","End":true}}}')),
      { overrides: { 'Worker1234.Arn': 'arn:aws:lambda:eu-south-1:123456789012:function:real' } },
    );
    expect(def.States.A.Resource).toBe('arn:aws:lambda:eu-south-1:123456789012:function:real');
  });

  it('refuses what it cannot resolve instead of guessing', () => {
    expect(() => resolveStateMachineDefinition(template(join('{', { 'Fn::GetAtt': ['Missing', 'Arn'] }, '}')))).toThrow(/unknown logical id Missing/);
    expect(() => resolveStateMachineDefinition(template(join('{', { 'Fn::If': ['c', 'a', 'b'] }, '}')))).toThrow(/unsupported intrinsic Fn::If/);
    expect(() => resolveStateMachineDefinition(template('{"Comment":"no states"}'))).toThrow(/ASL definition/);
    expect(() => resolveStateMachineDefinition({ Resources: {} })).toThrow(/no AWS::StepFunctions::StateMachine/);
  });

  it('needs a logical id when the template has several state machines', () => {
    const t = template('{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}');
    t.Resources!.Other = { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}' } };
    expect(findStateMachines(t).sort()).toEqual(['Machine', 'Other']);
    expect(() => resolveStateMachineDefinition(t)).toThrow(/2 state machines/);
    expect(resolveStateMachineDefinition(t, { logicalId: 'Other' }).StartAt).toBe('B');
  });

  it('lists state names including those inside Map and Parallel', () => {
    expect(
      stateNames({
        States: {
          M: { Type: 'Map', ItemProcessor: { StartAt: 'X', States: { X: { Type: 'Pass', End: true } } } },
          P: { Type: 'Parallel', Branches: [{ StartAt: 'Y', States: { Y: { Type: 'Pass', End: true } } }] },
        },
      }).sort(),
    ).toEqual(['M', 'P', 'X', 'Y']);
  });
});
