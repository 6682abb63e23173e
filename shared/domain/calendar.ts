/**
 * Calendar arithmetic on dates written `YYYY-MM-DD` (no time, no zone): what "a month before 31 March"
 * or "the day after" means, once for every caller (list filters, retention, insights).
 */

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The date as `YYYY-MM-DD` (a year before 1000 padded to four digits). */
const written = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;

/** Days in month `m` (1–12) of year `y`. */
export const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** `date` plus `days` (negative: before). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * `date` less `years` and `months`, as a calendar counts them: the same day of the month that many months
 * back, or that month's last day when it is shorter (31 March less one month is 28/29 February, not 3 March;
 * 29 February 2028 less a year is 28 February 2027, not 1 March).
 */
export function monthsBefore(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return written(year, month, Math.min(d, daysInMonth(year, month)));
}

/** Offset of `timeZone` from UTC at `instant`, in minutes. */
function tzOffsetMinutes(timeZone: string, instant: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/** The UTC instant at which local midnight of `date` happens in `timeZone`. */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const guess = new Date(`${date}T00:00:00Z`);
  const first = new Date(guess.getTime() - tzOffsetMinutes(timeZone, guess) * 60000);
  // A second pass corrects days where the offset changes (DST) between the guess and the answer.
  const second = new Date(guess.getTime() - tzOffsetMinutes(timeZone, first) * 60000);
  // Where summer time starts at midnight (America/Santiago, Havana) the day has no 00:00: it starts when the
  // clocks jump (01:00), and the second pass lands on 23:00 of the day before. The day starts at the earliest
  // of the two that is on `date`.
  const onDate = [first, second].filter((d) => localDate(d, timeZone) === date);
  return onDate.length ? new Date(Math.min(...onDate.map((d) => d.getTime()))) : second;
}

/** The day `instant` falls on in `timeZone`, `YYYY-MM-DD`: the tenant's "today" for `new Date()`. */
export function localDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}
