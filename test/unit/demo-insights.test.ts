import { describe, expect, it } from 'vitest';
import { demoSample } from '../../scripts/demo-data.ts';
import { summarisePurchases, type Purchase } from '../../shared/insights/occasions.ts';
import { fitModels } from '../../shared/insights/compute.ts';

/**
 * report-contract 3: `npm run demo`'s guests must give the README's insights tour real figures. The purchases
 * a recompute reads (each order's total, each completed booking's bill) are taken from the sample itself and
 * fitted as the recompute fits them (`fitModels`, Europe/Rome, the demo tenant's zone), as of the end of the sample's last
 * day (what `npm run demo` asks for: DEMO_AS_OF) and two weeks later: both models must fit.
 */
function purchasesByGuest(): Map<string, Purchase[]> {
  const byGuest = new Map<string, Purchase[]>();
  for (const e of demoSample().events) {
    const amount = e.type === 'order.completed' ? (e.data.total as number) : e.type === 'booking.completed' ? (e.data.amount as number | undefined) : undefined;
    if (amount === undefined) continue;
    const list = byGuest.get(e.customer.email!) ?? [];
    list.push({ at: e.occurredAt, amount });
    byGuest.set(e.customer.email!, list);
  }
  return byGuest;
}

describe('npm run demo: the insights models fit its guests', () => {
  for (const asOf of ['2026-11-30T22:59:59.999Z', '2026-12-15T08:00:00Z']) {
    it(`fits BG/NBD and Gamma-Gamma as of ${asOf.slice(0, 10)}`, () => {
      const summaries = [...purchasesByGuest().values()].map((p) => summarisePurchases(p, 'Europe/Rome', asOf)!);
      expect(summaries).toHaveLength(30);
      // Regulars, occasionals, one-timers and guests who stopped coming: not one rhythm for everybody.
      expect(summaries.filter((s) => s.x === 0).length).toBeGreaterThanOrEqual(3);
      expect(summaries.filter((s) => s.x >= 8).length).toBeGreaterThanOrEqual(3);
      const { models } = fitModels(
        summaries.map((s) => s.x),
        summaries.map((s) => s.tx),
        summaries.map((s) => s.T),
        summaries.map((s) => s.repeatMean),
      );
      expect(models.reason).toBeUndefined();
      expect(models.bgnbd).not.toBeNull();
      expect(models.gammaGamma).not.toBeNull();
      expect(models.gammaGamma!.q).toBeGreaterThan(1);
    });
  }
});
