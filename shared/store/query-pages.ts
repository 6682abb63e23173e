import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;

/**
 * Every page of a Query, following LastEvaluatedKey until DynamoDB has no more; leaving the loop early stops
 * the reading. Not lib-dynamodb's paginateQuery: it refuses a client that is not a DynamoDBDocumentClient
 * instance, and the erasure tests hand the stores a wrapped client (one that fails half-way) that only has
 * `send`. Pages are read one after another, each when the previous one has been handled: a caller that
 * deletes what it reads (an erasure) resumes after the last key it saw, as DynamoDB pages do.
 */
export async function* queryPages(db: Pick<DynamoDBDocumentClient, 'send'>, input: QueryCommandInput): AsyncGenerator<Item[]> {
  let ExclusiveStartKey = input.ExclusiveStartKey;
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    yield (page.Items ?? []) as Item[];
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** The items of every page of a Query, one by one (queryPages). */
export async function* queryItems(db: Pick<DynamoDBDocumentClient, 'send'>, input: QueryCommandInput): AsyncGenerator<Item> {
  for await (const page of queryPages(db, input)) yield* page;
}
