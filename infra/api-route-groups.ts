import type { Route } from '../shared/routes.ts';

/**
 * Which nested stack (infra/api-routes.ts) holds a route's function, role, policy, log group, integration and
 * permission: decided by the first path segment after `/v1`, so a new route under an existing resource lands
 * beside its siblings and never moves another route's function (a moved function is a new function, with
 * new log groups). Each group stays far below CloudFormation's 500 resources a stack (6 a route; the test
 * test/infra/stack-limits.test.ts keeps each template at 400 at most). A route under a new segment stops the
 * synth until the segment is given a group here: that is a decision, not a default.
 */
export const ROUTE_GROUPS = {
  /** The customer list itself: cards, their tags and the saved segments. */
  Customers: ['customers', 'tags', 'segments'],
  /** Imports, exports and the insights recompute: the routes that start background work, and its results. */
  Jobs: ['imports', 'exports', 'insights'],
  /** What strangers reach: events and forms with the publishable key, consent and unsubscribe pages, health, OpenAPI. */
  Public: ['events', 'consent', 'unsubscribe', 'health', 'openapi.json'],
  /** The business's own account: settings, keys, audit log. */
  Account: ['settings', 'keys', 'audit'],
} as const satisfies Record<string, readonly string[]>;

export type RouteGroup = keyof typeof ROUTE_GROUPS;

/** The group of a route, from its path (`/v1/customers/{id}` → Customers). */
export function routeGroup(route: Pick<Route, 'path' | 'name'>): RouteGroup {
  const segment = route.path.split('/')[2] ?? '';
  for (const [group, segments] of Object.entries(ROUTE_GROUPS) as [RouteGroup, readonly string[]][]) {
    if (segments.includes(segment)) return group;
  }
  throw new Error(
    `route ${route.name} (${route.path}): no nested stack holds /v1/${segment} routes; add '${segment}' to a group in infra/api-route-groups.ts (or a new group)`,
  );
}
