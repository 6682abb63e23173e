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
 * less what `to`'s time exceeds it by. Without a zone, past 9999 or before 1970, plain milliseconds.
 */
export function previousPeriodStart(from: number, to: number, timeZone: string | undefined): number {
  const plain = from - (to - from);
  if (!timeZone) return plain;
  // A day the calendar helpers read: four-digit years only (the end of 9999 is 10000-01-01 in Rome).
  const isDay = (day: string) => /^\d{4}-\d{2}-\d{2}$/.test(day);
  const [dayA, dayB] = [localDate(new Date(from), timeZone), localDate(new Date(to), timeZone)];
  if (!isDay(dayA) || !isDay(dayB)) return plain;
  const days = Math.round((Date.parse(`${dayB}T00:00:00Z`) - Date.parse(`${dayA}T00:00:00Z`)) / DAY_MS);
  const dayBefore = addDays(dayA, -days);
  // Before 1970 there is no text to count (the API starts the previous period there), and the zone helpers
  // need four-digit years of the Gregorian era: milliseconds, as before.
  if (!isDay(dayBefore) || dayBefore < '1970-01-01') return plain;
  const sinceA = from - startOfLocalDay(dayA, timeZone).getTime();
  const sinceB = to - startOfLocalDay(dayB, timeZone).getTime();
  const start = startOfLocalDay(dayBefore, timeZone).getTime() + sinceA - (sinceB - sinceA);
  return Number.isFinite(start) && start < from ? start : plain;
}
