import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { api, type ApiResponse } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { mergeStore } from '#shared/http/stores/merges.ts';
import { cardBody, etag } from '#shared/http/customer-view.ts';
import { getCustomerCard } from '#shared/domain/customers.ts';
import { MergeBodySchema, mergeCustomers } from '#shared/events/merge-customers.ts';

/** Seconds a caller waits before sending a merge that answered 202 again: about one chunk's move. */
const RETRY_AFTER_SECONDS = 1;

/**
 * POST /v1/customers/{id}/merge { otherId }: folds the other customer into this one; answers the merged card
 * (200). A long history moves within the invocation's time: when it runs out after the switch-over, 202
 * `{ status: 'moving', customerId, otherId, moved }` with Retry-After, and the same request sent again goes on.
 * Repeatable. Audited (target `customer`, never an id) by the request that answers 200 for a merge not done
 * before it, not by those that only made progress nor by a retry of a merge already done.
 *
 * `remainingMs`: how long the invocation may still run. The `api()` wrapper does not hand handlers the Lambda
 * context (yet), so `handler` below builds the stack per invocation around the context's remaining time;
 * tests give their own.
 */
export function mergeHandler(remainingMs: (context: Context) => () => number) {
  return (event: APIGatewayProxyEventV2, context: Context) =>
    api('admin', async (req): Promise<ApiResponse> => {
      const { tenant, key } = req.principal;
      const { otherId } = parseWith(MergeBodySchema, req.body ?? {});
      const privacy = privacyStore();
      const id = req.params.id!;
      const merge = await mergeCustomers(
        { merges: mergeStore(), tenantId: tenant.id, timeZone: tenant.timeZone, suppression: privacy, erasures: privacy, remainingMs: remainingMs(context) },
        id,
        otherId,
      );
      if (merge.status === 'moving') {
        return { status: 202, body: { status: 'moving', customerId: id, otherId, moved: merge.moved }, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } };
      }
      // A retry of a merge already done changes nothing, in the audit log neither.
      if (!merge.repeated) await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'customer.merge', target: 'customer' });
      const { customer, history } = await getCustomerCard({ customers: customerStore(), tenant, actor: key }, id);
      return { status: 200, body: cardBody(customer, history), headers: { etag: etag(customer) } };
    })(event, context);
}

/** Without a context (a handler called bare) nothing bounds the merge but the caller. */
export const handler = mergeHandler((context) => () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY);
