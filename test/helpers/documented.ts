import { openApiDocument } from '../../shared/http/openapi.ts';
import { ROUTES, routePattern } from '../../shared/routes.ts';

/**
 * The statuses the OpenAPI document lists for the route `method url` answers (`url` as a client sends it:
 * `/v1/segments/01ABC/customers?limit=5`), without `default`. A test that makes a handler answer a status
 * checks it is in here: what a route answers, its document says.
 */
export function documentedStatuses(method: string, url: string): number[] {
  const path = url.split('?')[0]!;
  const route = ROUTES.find((r) => r.method === method && routePattern(r.path).test(path));
  if (!route) throw new Error(`no route for ${method} ${path}`);
  const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const op = doc.paths[route.path]?.[method.toLowerCase()];
  if (!op) throw new Error(`the OpenAPI document has no ${method} ${route.path}`);
  return Object.keys(op.responses)
    .filter((code) => code !== 'default')
    .map(Number);
}
