/**
 * Why the forecast (or RFM) has no figures, in the console's language. The API says it only in English sentences
 * (the summary's `models.reason` and `rfmReason`, the forecast's `reason`: shared/insights/compute.ts, rfm.ts,
 * bgnbd.ts, gamma-gamma.ts and insights.ts write them), with no code: the known sentences are recognised here, their
 * numbers kept, and a sentence not recognised (a newer API) is shown as the API wrote it.
 */
import type { Key } from './i18n.ts';

/** One sentence of a reason: a known one (a dictionary key and its numbers) or the API's own text. */
export type ReasonPart = { key: Key; values?: Record<string, number> } | { text: string };

/** The last part of "No purchase predictions: …" (bgnbd.ts) and "No spend predictions: …" (gamma-gamma.ts). */
const FIT_REASONS: [RegExp, Key][] = [
  [/^there are no customers with a purchase$/, 'reasonNoPurchasers'],
  [/^the purchase model \(BG\/NBD\) found no sensible values/, 'reasonPurchaseNoValues'],
  [/^the purchase model \(BG\/NBD\) did not settle/, 'reasonPurchaseUnstable'],
  [/^no customer has come back yet/, 'reasonNoReturning'],
  [/^the spend model \(Gamma-Gamma\) found no sensible values/, 'reasonSpendNoValues'],
  [/^the spend model \(Gamma-Gamma\) did not settle/, 'reasonSpendUnstable'],
  [/^the spend model \(Gamma-Gamma\) could not be evaluated/, 'reasonSpendNotEvaluated'],
];

function sentence(s: string): ReasonPart {
  if (/^No recompute has run yet[.:]/.test(s)) return { key: 'reasonNoRecompute' };
  if (s === 'No purchase model.') return { key: 'reasonNoPurchaseModel' };
  let m = /^Predictions need at least (\d+) customers with a purchase and (\d+) who came back on another day; so far there (?:is (1) customer|are (\d+) customers) with a purchase and (\d+) came back\.$/.exec(s);
  if (m) return { key: 'reasonTooFewPurchasers', values: { min: Number(m[1]), minBack: Number(m[2]), purchasers: Number(m[3] ?? m[4]), back: Number(m[5]) } };
  m = /^RFM groups need at least (\d+) customers with a purchase; so far there (?:is (1)|are (\d+))\.$/.exec(s);
  if (m) return { key: 'reasonTooFewForRfm', values: { min: Number(m[1]), purchasers: Number(m[2] ?? m[3]) } };
  m = /^Expected spend needs at least (\d+) customers who came back and paid; so far there (?:is (1)|are (\d+))\.$/.exec(s);
  if (m) return { key: 'reasonTooFewPayers', values: { min: Number(m[1]), payers: Number(m[2] ?? m[3]) } };
  m = /^No (?:purchase|spend) predictions: (.+)\.$/.exec(s);
  const known = m && FIT_REASONS.find(([re]) => re.test(m![1]!));
  if (known) return { key: known[1] };
  return { text: s };
}

/** The sentences of a reason, each recognised or kept as written. The API joins them with a space. */
export function reasonParts(reason: string | null | undefined): ReasonPart[] {
  const text = (reason ?? '').trim();
  if (!text) return [];
  return text.split(/(?<=\.)\s+(?=[A-Z])/).map(sentence);
}

/** A part in words: `translate` gives a key's text; `{name}` is replaced by its number, formatted. */
export function reasonText(part: ReasonPart, translate: (key: Key) => string, number: (n: number) => string): string {
  if ('text' in part) return part.text;
  let out = translate(part.key);
  for (const [name, value] of Object.entries(part.values ?? {})) out = out.replaceAll(`{${name}}`, number(value));
  return out;
}
