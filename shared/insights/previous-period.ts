/**
 * The period before a period, for the keywords' trend (`keywords.ts` counts it, `baskets-api.ts` serves it):
 * its own module, so the API's Lambda does not bundle the keyword counter's stemmers for one function.
 */
import { addDays, localDate, startOfLocalDay } from '../domain/calendar.ts';

const DAY_MS = 86_400_000;

/**
 * Where the previous period starts: it ends where the period [from, to) starts and is as long in the tenant's
 * days and hours, not in milliseconds. November (1 November to 1 December, midnights in Rome) follows 2–31
 * October, from midnight on 2 October: 30 × 24 hours back would start at 01:00 (the clocks went back on 25
 * October), and a text written in that hour fell into neither period. Each end is read as a local day and the
 * time since that day's start; the previous period starts as many days before `from`'s day, at `from`'s time
 * less what `to`'s time exceeds it by. Without a zone, or past the four-digit years, plain milliseconds.
 */
export function previousPeriodStart(from: number, to: number, timeZone: string | undefined): number {
  const plain = from - (to - from);
  if (!timeZone) return plain;
  const place = (t: number) => {
    const day = localDate(new Date(t), timeZone);
    return { day, since: t - startOfLocalDay(day, timeZone).getTime() };
  };
  const [a, b] = [place(from), place(to)];
  if (!/^\d{4}-/.test(a.day) || !/^\d{4}-/.test(b.day)) return plain;
  const days = Math.round((Date.parse(`${b.day}T00:00:00Z`) - Date.parse(`${a.day}T00:00:00Z`)) / DAY_MS);
  const start = startOfLocalDay(addDays(a.day, -days), timeZone).getTime() + a.since - (b.since - a.since);
  return Number.isFinite(start) && start < from ? start : plain;
}
