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

/** The formats read in a zone: the shapes of `Intl.DateTimeFormat` the calendar, insights and flows use. */
const SHAPES = {
  /** Wall-clock date and time, 24-hour: a zone's offset at an instant. */
  wallClock: ['en-US', { hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }],
  /** `YYYY-MM-DD`. */
  day: ['en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' }],
  /** Year and month (`formatToParts`), Gregorian, Latin digits. */
  month: ['en-CA', { year: 'numeric', month: '2-digit', calendar: 'gregory', numberingSystem: 'latn' }],
  /** Year, month and day as numbers (`formatToParts`), Gregorian, Latin digits. */
  dayParts: ['en-US', { year: 'numeric', month: 'numeric', day: 'numeric', calendar: 'gregory', numberingSystem: 'latn' }],
} as const satisfies Record<string, readonly [string, Intl.DateTimeFormatOptions]>;
export type ZoneFormat = keyof typeof SHAPES;

/** Zones kept per shape in one process; past it the shape's formatters are made again as asked. */
export const MAX_ZONE_FORMATTERS = 64;
const formatters = Object.fromEntries(Object.keys(SHAPES).map((shape) => [shape, new Map<string, Intl.DateTimeFormat>()])) as Record<ZoneFormat, Map<string, Intl.DateTimeFormat>>;

/**
 * The formatter of `shape` in `timeZone`, made once: building an `Intl.DateTimeFormat` costs far more than using
 * it (an import asks for the start of a day in the tenant's zone for every distinct date in the file; insights
 * read every purchase's day and month). Bounded: a zone is a tenant's setting, written in any letter case Intl
 * accepts (`europe/rome`), so the names one warm process sees are not a fixed few. Throws a RangeError for a
 * zone that is not IANA.
 */
export function zoneFormatter(shape: ZoneFormat, timeZone: string): Intl.DateTimeFormat {
  const made = formatters[shape];
  let f = made.get(timeZone);
  if (!f) {
    const [locale, options] = SHAPES[shape];
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    if (made.size >= MAX_ZONE_FORMATTERS) made.clear();
    made.set(timeZone, f);
  }
  return f;
}

/** How many formatters are kept (all shapes): for the test that they stay bounded. */
export const zoneFormatterCount = (): number => Object.values(formatters).reduce((n, m) => n + m.size, 0);

/** Offset of `timeZone` from UTC at `instant`, in minutes. */
function tzOffsetMinutes(timeZone: string, instant: Date): number {
  const parts = zoneFormatter('wallClock', timeZone).formatToParts(instant);
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
  return zoneFormatter('day', timeZone).format(instant);
}

/**
 * The UTC instant at which the wall clock in `timeZone` reads `time` (`HH:MM`, seconds ignored) on `date`:
 * a booking's "20:00 on 29 March" (`startOfLocalDay` plus hours would be an hour off on the days the clocks
 * change: 22:00 is 21 hours after midnight on a 23-hour day, 23 on a 25-hour one). As JavaScript's Temporal
 * ("compatible") and most calendars resolve the two readings a change day makes ambiguous:
 *  - in the hour the clocks skip (spring forward: 02:30 in Rome on 29 March 2026 is never shown), the instant
 *    the clock would show had it not jumped, i.e. as many minutes after the jump (02:30 → 03:30 summer time):
 *    a booking made for it is kept on its day, after the one at 02:00, never before it;
 *  - in the hour that repeats (fall back: 02:30 on 25 October 2026 is shown twice), the first time, summer
 *    time: the moment the clock first reads it, which is when a guest booked for it walks in.
 */
export function instantOfLocalTime(date: string, time: string, timeZone: string): Date {
  const [h, m] = time.split(':').map(Number) as [number, number];
  const wall = Date.parse(`${date}T00:00:00Z`) + (h * 60 + m) * 60_000;
  // The zone's offsets a day either side (no zone changes its clocks twice in two days): one candidate each.
  const before = tzOffsetMinutes(timeZone, new Date(wall - 86_400_000));
  const after = tzOffsetMinutes(timeZone, new Date(wall + 86_400_000));
  const candidates = [...new Set([before, after])].map((offset) => ({ offset, at: wall - offset * 60_000 }));
  // A candidate is the reading when the zone's offset at it is the one it assumed.
  const real = candidates.filter((c) => tzOffsetMinutes(timeZone, new Date(c.at)) === c.offset).map((c) => c.at);
  if (real.length) return new Date(Math.min(...real)); // two: the repeated hour, its first time
  return new Date(wall - before * 60_000); // none: the skipped hour, with the offset from before the jump
}
