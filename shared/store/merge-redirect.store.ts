import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mergeKeys } from './keys.ts';

/**
 * The one read of a merged-away customer's redirect (`REDIRECT` in its partition, written by a merge): the
 * survivor's id, or undefined for an id never merged. Its own module so that a route answering 301/409 for a
 * merged id (shared/http/merged-customer.ts) does not carry the whole merge store, and the event and privacy
 * stores follow merges with the same request. 1 RCU (consistent).
 */
export async function readMergedInto(db: DynamoDBDocumentClient, TableName: string, tenantId: string, customerId: string): Promise<string | undefined> {
  const item = (await db.send(new GetCommand({ TableName, Key: mergeKeys.redirect(tenantId, customerId), ConsistentRead: true }))).Item;
  return typeof item?.target === 'string' ? item.target : undefined;
}
