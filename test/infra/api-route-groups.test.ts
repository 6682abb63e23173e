import { describe, expect, it } from 'vitest';
import { ROUTE_GROUPS, routeGroup } from '../../infra/api-route-groups.ts';
import { ROUTES } from '../../shared/routes.ts';

describe('route groups (the nested stack of each route: infra/api-route-groups.ts)', () => {
  it('every route has a group, by the first segment after /v1, and no segment is in two groups', () => {
    for (const route of ROUTES) expect(Object.keys(ROUTE_GROUPS), route.name).toContain(routeGroup(route));
    expect(routeGroup({ name: 'ListCustomers', path: '/v1/customers' })).toBe('Customers');
    expect(routeGroup({ name: 'GetCustomer', path: '/v1/customers/{id}' })).toBe('Customers');
    const segments = Object.values(ROUTE_GROUPS).flat();
    expect(new Set(segments).size).toBe(segments.length);
  });

  it('a route under a new segment stops the synth until someone gives it a group', () => {
    expect(() => routeGroup({ name: 'ListCoupons', path: '/v1/coupons' })).toThrow(/ListCoupons \(\/v1\/coupons\): no nested stack holds \/v1\/coupons routes; add 'coupons' to a group in infra\/api-route-groups\.ts/);
  });
});
