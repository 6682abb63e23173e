/**
 * `npm run demo`'s sample: a trattoria's 30 guests over 2026 (the README's insights tour: `ospiteN@example.it`,
 * in Bologna, Forlì and Modena), sent to a running clientela through its public API as the business's own
 * booking engine, shop and inbox would send them: bookings (completed with their bill, a few no-shows and
 * cancellations), orders with their items, messages and reviews in Italian and English, newsletter consents,
 * and a few tags.
 *
 * Everything is fixed: the same events with the same `eventId`s, dates and amounts every time, so loading it
 * again changes nothing (a repeated `eventId` is a retry; bookings and orders count once by their ids), and
 * tags are only added when a card lacks them. Dates are in 2026, January to November. The guests' rhythms and
 * bills come from a seeded generator (`seeded(2026)`): regulars, occasionals, one-timers, guests who stopped
 * coming in the spring and autumn newcomers, each spending around their own usual bill, so that the insights
 * models (BG/NBD, Gamma-Gamma) fit them (test/unit/demo-insights.test.ts).
 */

export interface DemoEvent {
  eventId: string;
  type: string;
  occurredAt: string;
  customer: Record<string, string>;
  data: Record<string, unknown>;
  consent?: { newsletter: 'granted' | 'denied'; wording?: string };
}

export interface DemoGuest {
  email: string;
  tags: string[];
}

const FIRST = ['Giulia', 'Marco', 'Francesca', 'Luca', 'Chiara', 'Alessandro', 'Sara', 'Matteo', 'Elena', 'Davide', 'Martina', 'Simone', 'Valentina', 'Andrea', 'Federica', 'Paolo', 'Anna', 'Stefano', 'Laura', 'Giorgio', 'Silvia', 'Roberto', 'Emma', 'Tommaso', 'Irene', 'Nicola', 'Beatrice', 'Filippo', 'Claudia', 'Riccardo'];
const LAST = ['Rossi', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Mancini', 'Costa', 'Giordano', 'Rizzo', 'Lombardi', 'Moretti', 'Barbieri', 'Fontana', 'Santoro', 'Mariani', 'Rinaldi', 'Caruso', 'Ferrara', 'Galli', 'Martini', 'Leone', 'Longo', 'Gentile', 'Martinelli'];
const CITIES = ['Bologna', 'Forlì', 'Modena'] as const;

const MENU = [
  { sku: 'MENU-DEG', name: 'Menu degustazione', unitPrice: 5500 },
  { sku: 'WINE-PAIR', name: 'Abbinamento vini', unitPrice: 2500 },
  { sku: 'TAGLIATELLE', name: 'Tagliatelle al ragù', unitPrice: 1400 },
  { sku: 'PASTA-GF', name: 'Pasta senza glutine', unitPrice: 1500 },
  { sku: 'TIRAMISU', name: 'Tiramisù', unitPrice: 700 },
  { sku: 'TORTELLINI', name: 'Tortellini in brodo', unitPrice: 1600 },
  { sku: 'LAMBRUSCO', name: 'Lambrusco (bottiglia)', unitPrice: 1800 },
  { sku: 'CAFFE', name: 'Caffè', unitPrice: 200 },
] as const;

const MESSAGES_IT = [
  'Buongiorno, avete un tavolo per quattro sabato sera?',
  'Avete piatti senza glutine? Mia figlia è celiaca.',
  'Grazie per la bella serata, il tiramisù era buonissimo!',
  'Posso spostare la prenotazione a venerdì alle 21?',
  'Fate anche menu per compleanni? Saremmo in dodici.',
];
const MESSAGES_EN = [
  'Hello, do you have a table for two on Friday evening?',
  'Is there a gluten-free option on the tasting menu?',
  'Thank you for a lovely dinner, the wine pairing was perfect.',
];
const REVIEWS = [
  { rating: 5, text: 'Tortellini come quelli della nonna. Torneremo!' },
  { rating: 4, text: 'Great food and friendly staff, a bit noisy on Saturday.' },
  { rating: 5, text: 'Menu degustazione splendido, ottimo abbinamento vini.' },
  { rating: 3, text: 'Buono ma abbiamo aspettato molto il secondo.' },
];

const WORDING_IT = 'Sì, voglio ricevere la newsletter della Trattoria (offerte ed eventi, circa una volta al mese).';
const WORDING_EN = 'Yes, send me the Trattoria newsletter (offers and events, about once a month).';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
/** 2026-01-01 plus `day` days (0–333: up to 30 November), at `hour`:`minute` UTC. */
const at = (day: number, hour: number, minute = 0) => new Date(Date.UTC(2026, 0, 1 + day, hour, minute)).toISOString();
const dateOf = (iso: string) => iso.slice(0, 10);

/** The last day of the sample (2026-11-30). */
const LAST_DAY = 333;

/** A small seeded generator (mulberry32): the same "random" sample on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How each guest comes: R a regular (every two to four weeks all year), O an occasional (every month or
 * three), 1 a one-timer, L one who came often in the first months and stopped, N a newcomer of the autumn.
 */
const KINDS = 'RO1LROORLO1RNOROL1OLRN1OROL1NO';

interface Rhythm {
  /** Day of the first visit (days after 2026-01-01). */
  first: number;
  /** Mean days between visits. */
  every: number;
  /** Visits at most (then they stop coming). */
  visits: number;
  /** Usual party size. */
  party: number;
  /** Usual spend per head at a booked table, cents. */
  spend: number;
  /** What they usually order (MENU indexes). */
  dishes: number[];
}

function rhythms(random: () => number): Rhythm[] {
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  return [...KINDS].map((kind, i) => {
    // A guest of the tasting menu, or of pasta and tortellini: their own spend, around which each bill varies.
    const fancy = i % 4 === 0;
    const dishes = fancy ? [0, 0, 2] : i % 4 === 1 ? [3, 2] : [2, 5, 5];
    const spend = fancy ? between(5500, 8000) : between(1800, 3500);
    const party = between(2, 3);
    if (kind === 'R') return { first: between(0, 40), every: between(14, 30), visits: 99, party, spend, dishes };
    if (kind === 'O') return { first: between(0, 120), every: between(40, 90), visits: 99, party, spend, dishes };
    if (kind === '1') return { first: between(20, 300), every: 1, visits: 1, party, spend, dishes };
    if (kind === 'L') return { first: between(0, 40), every: between(15, 35), visits: between(3, 7), party, spend, dishes };
    return { first: between(230, 270), every: between(12, 25), visits: 99, party, spend, dishes };
  });
}

/** The guests (their emails and the tags they should have) and the events, in the order they happened. */
export function demoSample(): { guests: DemoGuest[]; events: DemoEvent[] } {
  const guests: DemoGuest[] = [];
  const events: DemoEvent[] = [];
  const random = seeded(2026);
  const RHYTHMS = rhythms(random);
  for (let i = 0; i < 30; i++) {
    const english = i % 5 === 4;
    const customer = {
      email: `ospite${i}@example.it`,
      firstName: FIRST[i]!,
      lastName: LAST[i]!,
      city: CITIES[i % 3]!,
      country: english ? 'GB' : 'IT',
      language: english ? 'en' : 'it',
      ...(i % 3 === 1 ? {} : { phone: `+39 333 ${pad(100 + i, 3)} ${pad(4000 + i * 37, 4)}` }),
    };
    const id = `demo-${pad(i)}`;
    const rhythm = RHYTHMS[i]!;
    const first = rhythm.first; // the first visit (and contact) of the year

    // Visits: each guest's own rhythm (a random gap around their mean, seeded), until they stop coming.
    // Each visit is a bill: about one in three a booked table (completed with its bill), the others an
    // order with its items; the amounts vary around the guest's own usual spend.
    const visits: number[] = [];
    for (let day = first; day <= LAST_DAY && visits.length < rhythm.visits; day += Math.max(3, Math.round(rhythm.every * (0.4 + 1.2 * random())))) visits.push(day);
    let orders = 0;
    let bookings = 0;
    const book = (day: number, outcome: 'completed' | 'no_show' | 'cancelled', amount?: number) => {
      const bookingId = `${id}-b${bookings++}`;
      events.push({
        eventId: `${bookingId}-created`,
        type: 'booking.created',
        occurredAt: at(Math.max(0, day - 3), 10, i % 60),
        customer,
        data: { bookingId, date: dateOf(at(day, 0)), time: bookings % 2 ? '20:30' : '13:00', partySize: rhythm.party + (bookings % 3) },
      });
      events.push({
        eventId: `${bookingId}-${outcome}`,
        type: `booking.${outcome}`,
        occurredAt: outcome === 'cancelled' ? at(Math.max(0, day - 1), 9) : at(day, 23),
        customer,
        data: outcome === 'completed' ? { bookingId, amount: amount!, currency: 'EUR' } : { bookingId },
      });
    };
    for (const [k, day] of visits.entries()) {
      const party = Math.max(1, rhythm.party + Math.floor(random() * 4) - 1);
      if (k % 3 === 1) {
        // A booked table: the bill is the guest's usual spend per head, give or take.
        book(day, 'completed', Math.round((rhythm.spend * party * (0.5 + random())) / 50) * 50);
        continue;
      }
      const a = MENU[rhythm.dishes[k % rhythm.dishes.length]!]!;
      const b = MENU[(i * 3 + k * 5 + 1) % MENU.length]!;
      const items = a.sku === b.sku ? [{ ...a, quantity: party }] : [{ ...a, quantity: party }, { ...b, quantity: 1 + (k % 2) }];
      // Who takes the tasting menu often takes the wine pairing too, and tiramisù goes with the gluten-free pasta.
      if (a.sku === 'MENU-DEG' && b.sku !== 'WINE-PAIR' && k % 2 === 0) items.push({ ...MENU[1], quantity: party });
      if (a.sku === 'PASTA-GF' && b.sku !== 'TIRAMISU') items.push({ ...MENU[4], quantity: 1 });
      const lines = items.map(({ sku, name, quantity, unitPrice }) => ({ sku, name, quantity, unitPrice }));
      events.push({
        eventId: `${id}-order-${orders}`,
        type: 'order.completed',
        occurredAt: at(day, 19, (i * 7) % 60),
        customer,
        data: { orderId: `${id}-o${orders}`, currency: 'EUR', total: lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0), items: lines },
      });
      orders++;
    }
    // A few tables booked and missed, or cancelled, while they still came.
    if (i % 7 === 3) book(Math.min(LAST_DAY, visits[0]! + 10), 'no_show');
    if (i % 11 === 5) book(Math.min(LAST_DAY, visits[visits.length - 1]! + 4), 'cancelled');
    if (orders === 0) throw new Error(`demo guest ${i} has no order`);

    // Messages, contact forms and reviews, in the guest's language.
    if (i % 3 === 0) {
      const texts = english ? MESSAGES_EN : MESSAGES_IT;
      events.push({ eventId: `${id}-msg-0`, type: 'message.received', occurredAt: at(first + 15, 9, i), customer, data: { text: texts[i % texts.length]!, channel: i % 2 ? 'email' : 'whatsapp' } });
    }
    if (i % 4 === 2) {
      events.push({ eventId: `${id}-form-0`, type: 'contact_form.submitted', occurredAt: at(first + 2, 11, i), customer, data: { message: english ? 'Do you take groups of ten?' : 'Accettate gruppi di dieci persone?' } });
    }
    if (i % 6 === 1) {
      const review = REVIEWS[i % REVIEWS.length]!;
      events.push({ eventId: `${id}-review-0`, type: 'review.submitted', occurredAt: at(Math.min(332, first + 120), 22, i), customer, data: { rating: review.rating, text: review.text } });
    }

    // Newsletter: about half said yes (with the words they were shown), a few said no.
    if (i % 2 === 0 || i % 9 === 1) {
      events.push({ eventId: `${id}-newsletter`, type: 'newsletter.subscribed', occurredAt: at(first + 1, 12, i), customer, data: {}, consent: { newsletter: 'granted', wording: english ? WORDING_EN : WORDING_IT } });
    } else if (i % 5 === 3) {
      events.push({ eventId: `${id}-newsletter-no`, type: 'contact_form.submitted', occurredAt: at(first + 1, 12, i), customer, data: { message: 'Niente newsletter, grazie.' }, consent: { newsletter: 'denied' } });
    }

    const tags = [...(visits.length >= 10 ? ['VIP'] : []), ...(visits.length >= 5 && visits.length < 10 ? ['Regular'] : []), ...(i % 7 === 3 ? ['No-show'] : []), ...(i === 6 || i === 17 ? ['Business'] : []), ...(i === 12 ? ['Friends & Family'] : [])];
    guests.push({ email: customer.email, tags });
  }
  events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));
  return { guests, events };
}

export interface DemoTarget {
  url: string;
  key: string;
}

export interface LoadResult {
  events: number;
  /** Events the API had already received (a second run: all of them). */
  replayed: number;
  /** Cards that got a tag they lacked. */
  tagged: number;
}

/** One API call, waiting out `429` (fair use) and retrying a `503`, as any client should; other 4xx/5xx throw, but those in `allow`. */
async function api(target: DemoTarget, method: string, path: string, body?: unknown, allow: number[] = []): Promise<{ status: number; headers: Headers; body: unknown }> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${target.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${target.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if ((res.status === 429 || res.status === 503) && attempt < 20) {
      const wait = Number(res.headers.get('retry-after'));
      await new Promise((ok) => setTimeout(ok, (Number.isFinite(wait) && wait > 0 ? wait : 1) * 1000));
      continue;
    }
    if (res.status >= 400 && !allow.includes(res.status)) {
      const detail = (parsed as { detail?: string } | undefined)?.detail ?? text;
      throw new Error(`${method} ${path}: ${res.status} ${detail}`);
    }
    return { status: res.status, headers: res.headers, body: parsed };
  }
}

/** Sends the sample to the API (`target`): the events, then the missing tags. `progress` hears each step. */
export async function loadDemo(target: DemoTarget, progress: (line: string) => void = () => {}): Promise<LoadResult> {
  const { guests, events } = demoSample();
  let replayed = 0;
  for (const [n, event] of events.entries()) {
    const res = await api(target, 'POST', '/v1/events', event);
    if (res.headers.get('idempotent-replayed') === 'true') replayed++;
    if ((n + 1) % 50 === 0 || n + 1 === events.length) progress(`events: ${n + 1}/${events.length}`);
  }
  let tagged = 0;
  for (const guest of guests) {
    if (!guest.tags.length) continue;
    const list = await api(target, 'GET', `/v1/customers?q=${encodeURIComponent(guest.email)}&limit=5`);
    const card = (list.body as { items: { id: string; email: string | null; tags: string[] }[] }).items.find((c) => c.email === guest.email);
    if (!card) throw new Error(`the card of ${guest.email} is missing after its events`);
    const missing = guest.tags.filter((t) => !card.tags.includes(t));
    if (!missing.length) continue;
    await api(target, 'PATCH', `/v1/customers/${card.id}`, { tags: [...card.tags, ...missing] });
    tagged++;
  }
  return { events: events.length, replayed, tagged };
}

/**
 * The day the sample ends: `npm run demo` recomputes as of it, so its figures are the same whatever day it runs
 * (the nightly recompute, as of its own day, then ages them: after a few weeks with no new visit, the purchase
 * model stops fitting these 30 guests, who all went quiet at once).
 */
export const DEMO_AS_OF = '2026-11-30';

/** Asks for an insights recompute (as of `asOf`, default now) and waits for it: its final status and counts. */
export async function recomputeInsights(target: DemoTarget, timeoutMs = 10 * 60_000, asOf?: string): Promise<{ status: string; asOf?: string; counts?: Record<string, number> }> {
  // One already running (409) names itself: wait for that one.
  const asked = await api(target, 'POST', '/v1/insights/recompute', asOf ? { asOf } : {}, [409]);
  const id = (asked.body as { recomputeId?: string }).recomputeId;
  if (!id) throw new Error(`POST /v1/insights/recompute: ${asked.status} without a recomputeId`);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const run = (await api(target, 'GET', `/v1/insights/recompute/${id}`)).body as { status: string; asOf?: string; counts?: Record<string, number> };
    if (run.status !== 'pending' && run.status !== 'running') return run;
    if (Date.now() > end) return run;
    await new Promise((ok) => setTimeout(ok, 2000));
  }
}
