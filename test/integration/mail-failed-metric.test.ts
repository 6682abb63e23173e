import { SESv2Client, SendEmailCommand, MessageRejected } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTable, dynamoClient, startDynamo, type DynamoLocal } from '../../local/emulators.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * A double opt-in mail SES refuses (an unverified sender, the SES sandbox: faults no emulator produces, so
 * SES alone is mocked) must not go unnoticed: the event is still captured, and a `MailFailed` count reaches
 * CloudWatch (an EMF line in the function's log), which the stack alarms on (infra/monitoring.ts).
 */
let dynamo: DynamoLocal;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let pk: string;
const ORIGIN = 'https://www.trattoria.example';
const TABLE = 'mail-failed-test';
const ses = mockClient(SESv2Client);

beforeAll(async () => {
  dynamo = await startDynamo();
  await createTable(DynamoDBDocumentClient.from(dynamoClient(dynamo.endpoint)), TABLE);
  Object.assign(process.env, {
    TABLE_NAME: TABLE,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    IMPORT_BUCKET: 'i',
    EXPORT_BUCKET: 'e',
    KEY_CACHE_SECONDS: '0',
    AWS_REGION: 'eu-south-1',
    // As CDK sets them on IngestEvent: SES from this sender, metrics in the clientela namespace.
    MAIL_FROM: 'no-reply@clientela.example',
    POWERTOOLS_METRICS_NAMESPACE: 'clientela',
    POWERTOOLS_SERVICE_NAME: 'clientela-prod',
  });
  delete process.env.MAIL_OUTBOX_DIR;
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, 'trattoria');
  await changeTenant(stores().tenants, 'trattoria', (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  pk = (await issueKey(stores().tenants, 'trattoria', 'publishable')).key;
});

afterAll(async () => {
  ses.restore();
  await dynamo?.stop();
});

/** The EMF records (metrics) the handler wrote to stdout while `run` ran. */
async function metricsWritten(run: () => Promise<Reply>): Promise<{ reply: Reply; records: Record<string, any>[] }> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: any[]) => {
    const text = String(chunk);
    if (text.includes('"_aws"')) lines.push(text);
    else write(chunk as never, ...(rest as []));
    return true;
  });
  try {
    const reply = await run();
    return { reply, records: lines.join('').split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, any>) };
  } finally {
    spy.mockRestore();
  }
}

/** A sign-up from the shop's website form (publishable key): the person must confirm by mail. */
const subscribe = (email: string) =>
  call('POST', '/v1/events', {
    key: pk,
    body: { eventId: `ev-${email}`, type: 'newsletter.subscribed', occurredAt: '2026-03-01T12:00:00Z', customer: { email }, data: { wording: 'v1' } },
    headers: { host: 'api.test', 'x-forwarded-proto': 'https', origin: ORIGIN },
  });

describe('a confirmation mail SES refuses', () => {
  it('still accepts the sign-up, and counts MailFailed once', async () => {
    ses.on(SendEmailCommand).rejects(new MessageRejected({ message: 'Email address is not verified. The following identities failed the check: no-reply@clientela.example', $metadata: {} }));
    const { reply, records } = await metricsWritten(() => subscribe('ada@trattoria.test'));
    expect(reply.status).toBe(202);
    expect(ses.commandCalls(SendEmailCommand).length).toBeGreaterThan(0);
    const failed = records.filter((r) => r.MailFailed !== undefined);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ service: 'clientela-prod', MailFailed: 1 });
    expect(failed[0]!._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'clientela', Dimensions: [['service']] });
  });

  it('counts nothing when SES takes the mail', async () => {
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const { reply, records } = await metricsWritten(() => subscribe('bea@trattoria.test'));
    expect(reply.status).toBe(202);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(records.filter((r) => r.MailFailed !== undefined)).toEqual([]);
  });
});
