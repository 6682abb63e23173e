import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { ApiKeyRecord } from '../domain/api-key.ts';
import { insightKeys, keys } from './keys.ts';
import { internalSet, withoutInternal } from './entities.ts';
import type { TenantStore } from '../domain/tenant.ports.ts';
import { queryItems } from './query-pages.ts';
export type { TenantStore } from '../domain/tenant.ports.ts';

const INTERNAL = internalSet('hash');
const strip = <T>(item: Record<string, unknown> | undefined): T | undefined => (item ? withoutInternal<T>(item, INTERNAL) : undefined);

/** The tenant item; listed in the tenant listing (gsi1, for the nightly insights), and in the retention index while it has a retention period. */
const tenantItem = (tenant: Tenant) => ({
  ...keys.tenant(tenant.id),
  ...insightKeys.tenantListing(tenant.id),
  ...((tenant.retention?.inactiveMonths ?? 0) > 0 ? keys.retentionListing(tenant.id) : {}),
  entity: 'tenant',
  ...tenant,
});

export function dynamoTenantStore(db: DynamoDBDocumentClient, TableName: string): TenantStore {
  return {
    async getTenant(tenantId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: keys.tenant(tenantId), ConsistentRead: true }));
      return strip<Tenant>(Item);
    },

    async createTenant(tenant) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: tenantItem(tenant),
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async replaceTenant(tenant, expectedUpdatedAt) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: tenantItem(tenant),
            ConditionExpression: 'updatedAt = :u',
            ExpressionAttributeValues: { ':u': expectedUpdatedAt },
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async putApiKey(hash, key) {
      await db.send(
        new PutCommand({
          TableName,
          Item: { ...keys.apiKey(hash), ...keys.apiKeyListing(key.tenantId, key.keyId), entity: 'apiKey', hash, ...key },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async getApiKey(hash) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: keys.apiKey(hash) }));
      return strip<ApiKeyRecord>(Item);
    },

    async listApiKeys(tenantId) {
      const out: ApiKeyRecord[] = [];
      const listing = { TableName, IndexName: 'gsi4', KeyConditionExpression: 'gsi4pk = :p', ExpressionAttributeValues: { ':p': keys.apiKeysListingPk(tenantId) } };
      for await (const item of queryItems(db, listing)) out.push(strip<ApiKeyRecord>(item)!);
      return out;
    },

    async revokeApiKey(tenantId, keyId, at) {
      // The key item is addressed by its hash; the tenant's listing index finds it by id.
      const page = await db.send(
        new QueryCommand({
          TableName,
          IndexName: 'gsi4',
          KeyConditionExpression: 'gsi4pk = :p AND gsi4sk = :k',
          ExpressionAttributeValues: { ':p': keys.apiKeyListing(tenantId, keyId).gsi4pk, ':k': keyId },
        }),
      );
      const item = page.Items?.[0];
      if (!item) return undefined;
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
          ConditionExpression: 'tenantId = :t',
          ExpressionAttributeValues: { ':at': at, ':t': tenantId },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<ApiKeyRecord>(Attributes);
    },
  };
}
