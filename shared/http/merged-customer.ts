import { ConflictError, NotFoundError } from '../domain/errors.ts';
import type { ApiResponse } from './public-api.ts';
import { config } from '../config.ts';
import { dynamo } from '../clients/dynamo.ts';
import { readMergedInto } from '../store/merge-redirect.store.ts';

/**
 * A customer merged into another (POST /v1/customers/{id}/merge) is not unknown: its id leaves a redirect to
 * the survivor. A route of `/v1/customers/{id}/…` whose use case found no customer asks here before
 * answering 404, so a client can tell a merge from an erasure: a read answers `301` with `Location` (the same
 * route of the survivor, the same query) and `mergedInto`, as `GET /v1/customers/{id}` does; a write answers
 * `409` with `mergedInto`, as `DELETE` does (it is not done on the survivor unasked). Anything else is
 * thrown again.
 */
export async function mergedCustomerAnswer(
  e: unknown,
  tenantId: string,
  id: string,
  read?: { subpath: string; query: Record<string, string | undefined> },
): Promise<ApiResponse> {
  const survivor = e instanceof NotFoundError ? await readMergedInto(dynamo(), config().TABLE_NAME, tenantId, id) : undefined;
  if (!survivor) throw e;
  if (!read) throw new ConflictError(`Customer ${id} was merged into ${survivor}; send the request for ${survivor} instead`, { mergedInto: survivor });
  const query = new URLSearchParams(Object.entries(read.query).filter((kv): kv is [string, string] => kv[1] !== undefined)).toString();
  const location = `/v1/customers/${encodeURIComponent(survivor)}${read.subpath}${query ? `?${query}` : ''}`;
  return { status: 301, headers: { location }, body: { mergedInto: survivor } };
}
