import { isDeepStrictEqual } from 'node:util';
import type { Customer } from '../domain/customer.schema.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { CustomerStore } from '../domain/customer.ports.ts';
import { IMPORT_ID, importView, type ImportJob } from './import-job.ts';
import { PROVENANCE_FIELDS, type Provenance } from '../domain/provenance.ts';

/**
 * Undo of an import (`DELETE /v1/imports/{id}`). While importing, every customer a window creates or changes
 * gets an undo record written in the same transaction as the change: for a new customer its kind and the
 * card version the import left; for a changed one, per changed field, the value before the import's first
 * change and the value the import last wrote. Undo walks those records:
 * - a customer the import created and nobody touched since (card version unchanged, no history) is removed
 *   with its lookups and the consent entries the import wrote;
 * - one touched since (an event, an edit) is kept and listed;
 * - for a customer the import changed, each field still holding the import's value gets its before-image
 *   back; a field changed since keeps the newer value and the customer is listed. A withdrawal the import
 *   recorded (consent `denied`) stays, with its ledger entry: an undo, like the import, never turns a "no"
 *   into a "yes" (the customer is listed with `WITHDRAWAL_KEPT`).
 * Each customer is undone in one transaction that also deletes its undo record and counts it on the job,
 * so a repeated or concurrent DELETE never undoes or counts anything twice and a long undo continues where
 * the previous call stopped.
 */

/**
 * Fields an import may change, as named in undo records. `importedSpent` is `stats.importedSpent`, the part
 * of `stats.totalSpent` a file's total brought: undone, it takes its part out of the total, so purchases
 * recorded since keep counting. `totalSpent` alone is in records of imports made before `importedSpent`.
 */
export const UNDO_FIELDS = [
  'firstName', 'lastName', 'email', 'phone', 'language', 'consent', 'tags', 'birthDate', 'gender', 'city', 'postalCode', 'country', 'notes',
  'attributes', 'firstContactAt', 'lastContactAt', 'totalSpent', 'importedSpent',
] as const;
export type UndoField = (typeof UNDO_FIELDS)[number];

export const fieldValue = (c: Customer, f: UndoField): unknown => (f === 'totalSpent' ? c.stats.totalSpent : f === 'importedSpent' ? (c.stats.importedSpent ?? 0) : c[f]);

export function withField(c: Customer, f: UndoField, v: unknown): Customer {
  if (f === 'totalSpent') return { ...c, stats: { ...c.stats, totalSpent: v as number } };
  if (f === 'importedSpent') {
    const importedSpent = (v as number | null) ?? 0;
    return { ...c, stats: { ...c.stats, importedSpent, totalSpent: c.stats.totalSpent - (c.stats.importedSpent ?? 0) + importedSpent } };
  }
  return { ...c, [f]: v } as Customer;
}

/** One field an import changed: its value before and after (and, for a field with provenance, its stamp before). */
export type FieldChange = { field: UndoField; before: unknown; after: unknown; stampBefore?: StampBefore };

/** A field's provenance before the import changed it (`fieldsAt`, `fieldsFrom`; null where it had none). */
export type StampBefore = { at: string | null; from: string | null };

/** The changes, each field that carries provenance with its stamp before the import: undo restores it with the value. */
export function withStampsBefore(changes: FieldChange[], prev: Customer & Provenance): FieldChange[] {
  return changes.map((c) =>
    (PROVENANCE_FIELDS as readonly string[]).includes(c.field) ? { ...c, stampBefore: { at: prev.fieldsAt?.[c.field] ?? null, from: prev.fieldsFrom?.[c.field] ?? null } } : c,
  );
}

/**
 * The card with the provenance of the fields undo gives back restored as it was before the import, so it no
 * longer names the undone import for a value it did not set. Records written before stamps were kept have
 * none: the card's provenance stays as it is.
 */
function restoreStamps(next: Customer, record: UndoRecord, changedSince: string[]): Customer {
  const stamps = Object.entries(record.stampsBefore ?? {}).filter(([f]) => f in record.before && !changedSince.includes(f)) as [UndoField, StampBefore][];
  if (!stamps.length) return next;
  const card = next as Customer & Provenance;
  const fieldsAt = { ...card.fieldsAt };
  const fieldsFrom = { ...card.fieldsFrom };
  for (const [f, { at, from }] of stamps) {
    if (at === null) delete fieldsAt[f];
    else fieldsAt[f] = at;
    if (from === null) delete fieldsFrom[f];
    else fieldsFrom[f] = from;
  }
  return { ...card, fieldsAt, fieldsFrom } as Customer;
}

/** The fields `next` changed, with the value before and after. */
export function changedFields(prev: Customer, next: Customer): FieldChange[] {
  const changed = UNDO_FIELDS.filter((f) => !isDeepStrictEqual(fieldValue(prev, f), fieldValue(next, f)));
  // The total moves with the imported part (import/merge.ts): recorded as that part alone, its undo moves the
  // total back by the same amount whatever purchases came since.
  return changed.filter((f) => f !== 'totalSpent' || !changed.includes('importedSpent')).map((field) => ({
    field,
    before: fieldValue(prev, field) ?? null,
    after: fieldValue(next, field) ?? null,
  }));
}

/** What the import did to one customer, as its undo record holds it. */
export interface UndoRecord {
  customerId: string;
  kind: 'created' | 'updated';
  /** The card version the import's last write left. */
  version: number;
  /** Sort keys of the consent-ledger entries the import wrote. */
  ledger: string[];
  before: Partial<Record<UndoField, unknown>>;
  after: Partial<Record<UndoField, unknown>>;
  /** Per field with provenance, its stamp before the import's first change (absent in older records). */
  stampsBefore?: Partial<Record<UndoField, StampBefore>>;
}

/** An undo record as held about the person (their access export): the import's before/after values, not its bookkeeping. */
export interface HeldUndoRecord extends Pick<UndoRecord, 'kind' | 'before' | 'after' | 'stampsBefore'> {
  importId: string;
  /** When the record expires (TTL), if it has one. */
  expiresAt?: string;
}

/** One customer's undo, all or nothing. */
export type UndoStep =
  | { action: 'remove'; record: UndoRecord; card: Customer; itemSks: string[] }
  | { action: 'restore'; record: UndoRecord; prev: Customer; next: Customer; dropLookups: { email?: string; phone?: string }; ledgerSks: string[]; note?: string }
  | { action: 'keep'; record: UndoRecord; reason: string };

export interface UndoStore {
  get(tenantId: string, importId: string): Promise<ImportJob | undefined>;
  /** Marks the undo started (once); answers the job. */
  startUndo(tenantId: string, importId: string, at: string): Promise<ImportJob>;
  /** A page of the import's remaining undo records in one shard. */
  undoRecords(tenantId: string, importId: string, shard: number): Promise<UndoRecord[]>;
  /** The customer's card, the sort keys of the other items in its partition (history, ledger, ...; undo
   * records left out) and whether this import's undo record is still there. */
  customerItems(tenantId: string, customerId: string, importId: string): Promise<{ card?: Customer; sks: string[]; pending: boolean; own?: string[] }>;
  /** Applies one step with its undo record's deletion and the job's count; false when it lost a race
   * (the record is gone or the card changed meanwhile: look again). */
  applyUndo(tenantId: string, importId: string, step: UndoStep, at: string): Promise<boolean>;
  finishUndo(tenantId: string, importId: string, at: string): Promise<ImportJob>;
}

/** The tenant's tag catalogue, as far as undo needs it: tags the import added go again once no customer holds them. */
export interface UndoCatalogue {
  /** Whether any customer of the tenant still holds the tag. */
  inUse(tenantId: string, tag: string): Promise<boolean>;
  remove(tenantId: string, tags: string[]): Promise<void>;
}

/** How many list pages `tagHeldBy` reads before it gives up and answers "held" (a tag kept is harmless). */
export const TAG_IN_USE_MAX_PAGES = 40;

/**
 * Whether any customer holds `tag`, through the customer list: a page may come back empty with a `nextCursor`
 * (its read budget ran out among cards without the tag: a shop with a thousand older customers), so one page
 * says nothing; the answer is "unused" only once the list has ended without a match. Past `maxPages` it answers
 * `true`: keeping an unused tag in the catalogue costs nothing, dropping one that cards hold hides it from
 * the tag pickers.
 */
export async function tagHeldBy(customers: Pick<CustomerStore, 'list'>, tenantId: string, tag: string, maxPages = TAG_IN_USE_MAX_PAGES): Promise<boolean> {
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const { items, nextCursor } = await customers.list(tenantId, { filter: { tags: [tag] }, sort: 'firstContactAt', order: 'asc', limit: 1, ...(cursor ? { cursor } : {}) });
    if (items.length > 0) return true;
    if (!nextCursor) return false;
    cursor = nextCursor;
  }
  return true;
}

export interface UndoContext {
  imports: UndoStore;
  catalogue?: UndoCatalogue;
  tenant: Tenant;
  shards: number;
  now?: () => Date;
  /**
   * How long the invocation may still run (Lambda's `getRemainingTimeInMillis`, the function's timeout and
   * not API Gateway's): once less than UNDO_SAFETY_MARGIN_MS is left, undo stops and answers "still running".
   * Without it nothing bounds the call but the caller.
   */
  remainingMs?: () => number;
}

/**
 * Time kept back at the end of an invocation: the customer under way (up to three attempts of a read and a
 * transaction), the job read for the answer and the answer itself. Each call undoes at least one customer,
 * however little time it was given, so calling again always gets further.
 */
export const UNDO_SAFETY_MARGIN_MS = 3_000;

/** Why undo left a card's consent as the import set it: the import recorded a withdrawal. */
export const WITHDRAWAL_KEPT = 'consent kept: the withdrawal ("denied") the import recorded stands, with its ledger entry';

/**
 * What undoing one record does, given the customer's current state. A consent the import set to `denied`
 * is never given back (nor its ledger entry deleted): undo restores the other fields only. A grant the import
 * recorded is taken back with its entry (the card's consent is the ledger's newest decision again).
 */
export function planUndo(record: UndoRecord, card: Customer | undefined, sks: string[], at: string, own: readonly string[] = []): UndoStep {
  if (!card) return { action: 'keep', record, reason: 'erased or removed since the import' };
  if (record.kind === 'created') {
    // `own`: items of the partition this import wrote besides its ledger entries (the pointer a later row of
    // the file left when it shared this card's phone): not someone else's change; removed with the card.
    const foreign = sks.filter((sk) => !record.ledger.includes(sk) && !own.includes(sk));
    if (card.version !== record.version || foreign.length) return { action: 'keep', record, reason: 'changed since the import (events or edits), kept' };
    return { action: 'remove', record, card, itemSks: sks };
  }
  let next = card;
  const changedSince: string[] = [];
  // A withdrawal the import recorded is a fact about the person (Art. 7(3)), not a value to take back: the
  // card's `denied` and its ledger entry stay, as an import itself never turns a "no" into a "yes".
  const withdrawal = 'consent' in record.before && (record.after.consent as Customer['consent'] | null | undefined)?.newsletter === 'denied';
  for (const [f, before] of Object.entries(record.before) as [UndoField, unknown][]) {
    if (f === 'consent' && withdrawal) continue;
    if (isDeepStrictEqual(fieldValue(card, f) ?? null, record.after[f] ?? null)) next = withField(next, f, before);
    else changedSince.push(f);
  }
  const notes = [
    ...(changedSince.length ? [`fields changed since the import, kept: ${changedSince.join(', ')}`] : []),
    ...(withdrawal ? [WITHDRAWAL_KEPT] : []),
  ];
  if (next === card) return { action: 'keep', record, reason: notes.join('; ') };
  next = restoreStamps(next, record, withdrawal ? [...changedSince, 'consent'] : changedSince);
  const dropLookups: { email?: string; phone?: string } = {};
  if (card.email && next.email !== card.email) dropLookups.email = card.email;
  if (card.phone && next.phone !== card.phone) dropLookups.phone = card.phone;
  const consentRestored = 'consent' in record.before && !withdrawal && !changedSince.includes('consent');
  return {
    action: 'restore',
    record,
    prev: card,
    next: { ...next, version: card.version + 1, updatedAt: at },
    dropLookups,
    ledgerSks: consentRestored ? record.ledger.filter((sk) => sks.includes(sk)) : [],
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

export async function undoImport(ctx: UndoContext, id: string) {
  const { imports, tenant } = ctx;
  const now = () => (ctx.now?.() ?? new Date()).toISOString();
  const job = IMPORT_ID.test(id) ? await imports.get(tenant.id, id) : undefined;
  if (!job) throw new NotFoundError(`Import ${id}`);
  if (job.dryRun) throw new ConflictError('This import was a dry run: it changed nothing, so there is nothing to undo');
  if (job.status !== 'completed' && job.status !== 'failed') throw new ConflictError(`This import is ${job.status}: only a completed or failed import can be undone`);
  if (job.undo?.status === 'completed') return { done: true, view: importView(job) };

  const outOfTime = () => (ctx.remainingMs?.() ?? Number.POSITIVE_INFINITY) < UNDO_SAFETY_MARGIN_MS;
  const stillRunning = async () => ({ done: false, view: importView((await imports.get(tenant.id, id))!) });
  await imports.startUndo(tenant.id, id, now());
  let unresolved = false;
  let progressed = false;
  for (let shard = 0; shard < ctx.shards; shard++) {
    // Records are deleted as they are undone, so each page is what remains. The listing is a GSI (eventually
    // consistent): a record undone a moment ago may show again; `seen` skips it, and its step would lose the
    // race anyway.
    const seen = new Set<string>();
    for (;;) {
      const records = (await imports.undoRecords(tenant.id, id, shard)).filter((r) => !seen.has(r.customerId));
      if (!records.length) break;
      for (const record of records) {
        if (progressed && outOfTime()) return stillRunning();
        progressed = true;
        seen.add(record.customerId);
        let resolved = false;
        for (let attempt = 1; attempt <= 3 && !resolved; attempt++) {
          const { card, sks, pending, own } = await imports.customerItems(tenant.id, record.customerId, id);
          resolved = !pending || (await imports.applyUndo(tenant.id, id, planUndo(record, card, sks, now(), own), now()));
        }
        unresolved ||= !resolved;
      }
    }
  }
  if (unresolved || (progressed && outOfTime())) return stillRunning();
  // Tags the import brought into the catalogue leave it with the import, unless a kept customer (or
  // someone since) uses them. Before finishing, so an interrupted undo does this when called again.
  if (ctx.catalogue && job.newTags.length) {
    const unused = [];
    for (const tag of job.newTags) if (!(await ctx.catalogue.inUse(tenant.id, tag))) unused.push(tag);
    if (unused.length) await ctx.catalogue.remove(tenant.id, unused);
  }
  return { done: true, view: importView(await imports.finishUndo(tenant.id, id, now())) };
}
