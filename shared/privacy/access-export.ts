import { publicView, type Customer, type HistoryEntry } from '../domain/customer.schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { PrivacyStore, ReportEntry } from './privacy.ports.ts';
import type { PersonalDataFiles } from './personal-data.ports.ts';
import { objectKeys } from '../object-keys.ts';
import { reportEntryNaming, reportLookbackSince } from './report-naming.ts';
import type { Identity } from './suppression.ts';

/** How long the link to a spilled access export works: enough to follow it or hand it on, short for a link to a person's data that needs no key. */
export const ACCESS_EXPORT_LINK_SECONDS = 15 * 60;

/** How the export reaches the caller: the document itself, a `303` to it, or (`?delivery=link`) the link as JSON. */
export type AccessExportDelivery = 'inline' | 'redirect' | 'link';

export type AccessExportAnswer =
  | { delivery: 'inline'; json: string }
  | { delivery: 'redirect' | 'link'; url: string; expiresAt: string; bytes: number };

export interface AccessExportContext {
  privacy: PrivacyStore;
  files: PersonalDataFiles;
  /** The largest document answered inline, as Lambda carries it (config ACCESS_EXPORT_INLINE_MAX_BYTES). */
  inlineMaxBytes: number;
  now?: () => Date;
}

/**
 * Bytes the document takes in the function's answer: on Lambda the body travels as a JSON string inside the
 * function's result, so every `"` and `\` of the document is escaped once more, plus the two quotes around it
 * (a document can be up to twice its own size there: a message of quotes). JSON.stringify leaves no control
 * characters in the document and writes everything else as UTF-8, so nothing else grows.
 */
export function carriedBytes(json: string): number {
  let escapes = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 34 /* " */ || c === 92 /* \ */) escapes++;
  }
  return Buffer.byteLength(json) + 2 + escapes;
}

/**
 * Inline while the answer fits under the threshold (Lambda refuses a synchronous answer over 6 MB: the caller
 * would get a 502 and no data); past it, a `303` to the document in the export bucket. Asked for a link,
 * always a link, however small the document: a client that asks for links gets one shape.
 */
export function accessExportDelivery(json: string, inlineMaxBytes: number, asked?: 'link'): AccessExportDelivery {
  if (asked === 'link') return 'link';
  return carriedBytes(json) > inlineMaxBytes ? 'redirect' : 'inline';
}

/**
 * The access export as it is delivered: built whole as always, then answered inline or written to the export
 * bucket (objectKeys.personalData: one object per person, replaced by a later export, expiring with the other
 * export files, deleted by the erasure) and handed out as a signed link.
 */
export async function deliverPersonalData(ctx: AccessExportContext, tenantId: string, customerId: string, asked?: 'link'): Promise<AccessExportAnswer> {
  const now = ctx.now?.() ?? new Date();
  const json = JSON.stringify(await exportPersonalData(ctx.privacy, tenantId, customerId, now));
  const delivery = accessExportDelivery(json, ctx.inlineMaxBytes, asked);
  if (delivery === 'inline') return { delivery, json };
  const key = objectKeys.personalData(tenantId, customerId);
  await ctx.files.put(key, json);
  // An erasure that finished between the read above and this write deleted the person's file before it was
  // written: it would outlive the erasure. The card read again (strongly consistent) says which came first:
  // still there, the erasure has not finished, and it deletes the file once the card is gone (erasure.ts);
  // gone, this export removes its own file and answers as for any unknown id.
  if (!(await ctx.privacy.getCard(tenantId, customerId))) {
    await ctx.files.remove(key);
    throw new NotFoundError(`Customer ${customerId}`);
  }
  const url = await ctx.files.signedUrl(key, ACCESS_EXPORT_LINK_SECONDS);
  return { delivery, url, expiresAt: new Date(now.getTime() + ACCESS_EXPORT_LINK_SECONDS * 1000).toISOString(), bytes: Buffer.byteLength(json) };
}

/** A row of an import's error report that names the person, with the import it comes from. */
export interface HeldReportRow extends ReportEntry {
  importId: string;
}

/**
 * `GET /v1/customers/{id}/export` (GDPR access and portability): everything held about the person. From one
 * read of their partition: the card (custom attributes included, and all its insights), the full history
 * (with the emails and phones each event replaced), the consent ledger, the booking and order records their
 * statistics come from, the emails and phones the card held before (kept so that an erasure suppresses them
 * too) and the imports' undo records (the values an import replaced, kept for its undo). Then the
 * error-report rows of recent imports that name them.
 */
export async function exportPersonalData(privacy: PrivacyStore, tenantId: string, customerId: string, now = new Date()) {
  const held = await privacy.partition(tenantId, customerId);
  if (!held.card) throw new NotFoundError(`Customer ${customerId}`);
  const byNewest = <T extends Record<string, unknown>>(key: string) => (a: T, b: T) => String(b[key]).localeCompare(String(a[key]));
  const history = held.history
    .map((h) => ({
      id: h.id as string,
      type: h.type as string,
      occurredAt: h.occurredAt as string,
      data: (h.data as Record<string, unknown>) ?? {},
      ...(h.origin ? { origin: h.origin as string } : {}),
      // The email or phone the event replaced on the card: no longer on the card, still held here (and shown by GET /history).
      ...(Array.isArray(h.changes) && h.changes.length ? { changes: h.changes as NonNullable<HistoryEntry['changes']> } : {}),
    }))
    .sort(byNewest('occurredAt'));
  const records = (kind: string) => held.states.filter((s) => s.kind === kind).map(({ kind: _kind, ...rest }) => rest);
  return {
    exportedAt: now.toISOString(),
    customer: withHeldInsights(publicView(held.card), held.card),
    customAttributes: held.card.attributes,
    history,
    consents: [...held.consents].sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id)),
    bookings: records('booking'),
    orders: records('order'),
    replacedIdentities: [...held.replaced].sort((a, b) => b.replacedAt.localeCompare(a.replacedAt)),
    // Import ids are ULIDs: newest import first.
    importChanges: [...held.undo].sort((a, b) => b.importId.localeCompare(a.importId)),
    importReportRows: await reportRowsNaming(privacy, tenantId, held.card, now),
  };
}

/**
 * The error-report rows (rejected rows and warnings, as written in the file) of the imports of the last days
 * that name the person by id, email or phone, theirs (earlier ones too) or those of people merged into them (report-naming.ts:
 * exactly, never a row that only resembles theirs). Oldest import first, in file order. Older imports' reports have expired.
 */
async function reportRowsNaming(privacy: PrivacyStore, tenantId: string, card: Customer, now: Date): Promise<HeldReportRow[]> {
  const merged = (card as Customer & { mergedFrom?: (Identity & { id: string })[] }).mergedFrom ?? [];
  // The emails and phones they had before are theirs too (a report row quoting the old typo'd address), unless
  // another customer holds one now: a row naming it may be that customer's. As the erasure redacts them.
  const own = new Set([card.id, ...merged.map((m) => m.id)]);
  const replaced = (await Promise.all([...own].map((id) => privacy.replacedIdentities(tenantId, id)))).flat();
  const formerly = replaced.filter((r) => !r.heldBy || own.has(r.heldBy)).map(({ email, phone }) => ({ email: email ?? null, phone: phone ?? null }));
  const names = reportEntryNaming(card.id, [card, ...merged, ...formerly]);
  const rows: HeldReportRow[] = [];
  for await (const chunk of privacy.importReports(tenantId, reportLookbackSince(now))) {
    for (const e of chunk.entries) if (names(e)) rows.push({ importId: chunk.importId, line: e.line, row: e.row, reason: e.reason });
  }
  return rows;
}

/**
 * The card's `insights` as shown, plus what the recompute keeps there that the card does not show: the
 * suggestions made for the person (`recommendations`, with the SKUs that led to each) and the SKUs they
 * bought (`bought`, behind the list filter). Held about the person, so part of what they may see.
 */
function withHeldInsights(view: Customer, card: Customer): Customer {
  const held = card.insights as { recommendations?: unknown; bought?: unknown } | undefined;
  if (!view.insights || !held) return view;
  const extra = { ...(held.recommendations !== undefined ? { recommendations: held.recommendations } : {}), ...(held.bought !== undefined ? { bought: held.bought } : {}) };
  return { ...view, insights: { ...view.insights, ...extra } } as Customer;
}
