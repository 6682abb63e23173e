import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { eventKeys, privacyKeys } from './keys.ts';
import type { SecretBox } from '../secrets/envelope.ts';

/**
 * The per-tenant secrets, for the adapters that use them (event.store: double opt-in links; privacy.store:
 * suppression hashes, unsubscribe links, erasure marks; export.store: erasure marks). Each is 32 random
 * bytes, created on first use and never changed, stored only sealed (shared/secrets/envelope.ts): the item
 * holds `sealed`, never the secret.
 *
 * Items written before secrets were sealed hold the secret in the clear (`secret`): the first read seals it
 * in place (UpdateItem: SET sealed, REMOVE secret, on condition the clear value is still there, so two
 * readers at once change it once) and answers it. A function that may only read the table (the GET link
 * pages) cannot write: it answers the secret and leaves the item for the next reader that can.
 */
export type SecretName = 'consent' | 'privacy';

export interface TenantSecrets {
  /** The secret, or undefined if the tenant has none yet (a link check never creates one). */
  find(tenantId: string, name: SecretName): Promise<string | undefined>;
  /** The secret, created now if the tenant has none. */
  getOrCreate(tenantId: string, name: SecretName): Promise<string>;
}

const ITEMS: Record<SecretName, { key: (tenantId: string) => { pk: string; sk: string }; entity: string }> = {
  consent: { key: eventKeys.consentSecret, entity: 'consentSecret' },
  privacy: { key: privacyKeys.secret, entity: 'privacySecret' },
};

/** The authenticated context of a sealed secret: it opens only as this tenant's secret for this purpose. */
const contextOf = (tenantId: string, name: SecretName) => `clientela:tenant-secret:${tenantId}:${name}`;

export function dynamoTenantSecrets(db: DynamoDBDocumentClient, TableName: string, box: SecretBox, onMigrationError?: (error: unknown) => void): TenantSecrets {
  /** A secret never changes once created, so a warm function keeps it (and asks KMS no more). */
  const cache = new Map<string, string>();
  const remember = (id: string, secret: string) => {
    if (cache.size > 10_000) cache.clear();
    cache.set(id, secret);
    return secret;
  };

  async function read(tenantId: string, name: SecretName): Promise<string | undefined> {
    const Key = ITEMS[name].key(tenantId);
    const { Item } = await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
    if (typeof Item?.sealed === 'string') return box.open(Item.sealed, contextOf(tenantId, name));
    if (typeof Item?.secret !== 'string') return undefined;
    const clear = Item.secret;
    try {
      await db.send(
        new UpdateCommand({
          TableName,
          Key,
          UpdateExpression: 'SET sealed = :s REMOVE secret',
          ConditionExpression: 'secret = :p',
          ExpressionAttributeValues: { ':s': await box.seal(clear, contextOf(tenantId, name)), ':p': clear },
        }),
      );
    } catch (e) {
      // Another reader sealed it first: the same secret either way.
      if (!(e instanceof ConditionalCheckFailedException)) onMigrationError?.(e);
    }
    return clear;
  }

  return {
    async find(tenantId, name) {
      const id = `${tenantId}#${name}`;
      const cached = cache.get(id);
      if (cached) return cached;
      const secret = await read(tenantId, name);
      return secret === undefined ? undefined : remember(id, secret);
    },

    async getOrCreate(tenantId, name) {
      const existing = await this.find(tenantId, name);
      if (existing) return existing;
      const secret = randomBytes(32).toString('base64url');
      const Key = ITEMS[name].key(tenantId);
      try {
        await db.send(new PutCommand({ TableName, Item: { ...Key, entity: ITEMS[name].entity, sealed: await box.seal(secret, contextOf(tenantId, name)) }, ConditionExpression: 'attribute_not_exists(pk)' }));
        return remember(`${tenantId}#${name}`, secret);
      } catch (e) {
        // Two first uses at once: the stored one is the secret.
        if (e instanceof ConditionalCheckFailedException) return (await this.find(tenantId, name))!;
        throw e;
      }
    },
  };
}
