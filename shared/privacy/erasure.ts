import type { Customer } from '../domain/customer.schema.ts';
import { normaliseEmail } from '../domain/customer-rules.ts';
import { ConflictError, DomainError, NotFoundError, invalid } from '../domain/errors.ts';
import type { ErasureClaim, PrivacyStore } from './privacy.ports.ts';
import { auditEntry } from '../audit/audit.ts';
import { isSuppressed, subjectHash, suppressIdentity, type Identity } from './suppression.ts';
import type { ErrorReportFiles } from '../import/error-report.ts';
import { forgetInInsights } from '../insights/summary-erasure.ts';
import type { PersonalDataFiles } from './personal-data.ports.ts';
import { objectKeys } from '../object-keys.ts';
import { savedSearchNaming } from './report-naming.ts';
import { dropRedaction, recordRedaction, redactAfterErasure, type RedactionContinuation } from './report-redaction.ts';

export interface ErasureContext {
  privacy: PrivacyStore;
  /** Rewrites an import's error-report CSV in the import bucket from its (redacted) entries. */
  reportFiles: ErrorReportFiles;
  /** The person's access exports written to the export bucket (too large to answer inline): deleted with them. */
  personalData: PersonalDataFiles;
  tenantId: string;
  /** Who erases: an API key id, or `system:retention`. */
  actor: string;
  now?: () => Date;
  /**
   * How long the invocation may still run (Lambda's `getRemainingTimeInMillis`), with `continueRedaction`: the
   * import-report redaction after the card is gone stops in time and goes on in a fresh invocation
   * (shared/privacy/report-redaction.ts). Without them (retention, a script) it runs to the end.
   */
  remainingMs?: () => number;
  continueRedaction?: (c: RedactionContinuation) => Promise<void>;
}
/** Rounds before giving up when events keep changing the card while it is being erased. */
const MAX_ROUNDS = 5;
/** The longest email a card holds (shared/domain/customer-fields.schema.ts). */
const MAX_EMAIL_LENGTH = 254;

/** How an erasure is asked for. */
export interface ErasureOptions {
  /**
   * Put the person's identities on the suppression list (default true): a person who asked to be
   * forgotten is refused at every door. Retention passes false: storage limitation erases data the business
   * no longer needs, it is not the person's request, and a returning customer is a new customer.
   */
  suppress?: boolean;
  /**
   * Asked of the card before each round: false keeps it (retention's "still inactive?": a booking that
   * arrives while the card is being erased makes it active again and must not be erased with it).
   */
  stillErasable?: (card: Customer) => boolean;
}

/**
 * What a suppressing erasure suppresses of the card's own email and phone: both, whoever supplied them. The
 * contract (../shared/api.md, Events: "an event or import row that names a suppressed (erased or suppressed)
 * email or phone is refused as a whole") makes an erased person's phone a suppressed one, also when only a
 * web form (the publishable key) gave it. A stranger could so get a number they typed next to their own
 * address suppressed; the number's owner comes back through the business (a secret-key event or `POST` that
 * records their consent): docs/production-limits.md.
 */
function ownIdentity(card: Customer): Identity {
  return { email: card.email ?? null, phone: card.phone ?? null };
}

/**
 * GDPR erasure. Order matters so that an interrupted run can simply be run again:
 * 0. the card is claimed (an `ERASING` mark, written only if the card is still at the version read): from
 *    here on no merge can move the person onto another card (its switch-over checks the mark, and a merge
 *    refuses a marked customer before copying anything), so the erasure either runs whole or, if a merge
 *    got there first, never starts. The mark records whether the erasure suppresses; an erasure that finds
 *    another's mark (an interrupted one) takes it over and keeps its suppression;
 * 1. suppression entries (the person cannot come back while the rest goes), unless neither `suppress: false`
 *    nor the mark taken over asks for them;
 * 2. every partition item but the card (history, ledger, booking/order states) and the receipts their
 *    history names, in pages, receipts first;
 *    Before that, a pending redaction of the import error reports is recorded (the person's ids, emails and
 *    phones, sealed: shared/privacy/report-redaction.ts), as long as the partition still names them all;
 * 3. the person's access exports in the export bucket are deleted;
 * 4. the card, its identity lookups, the mark and the audit entry in one transaction, on the
 *    condition that the card did not change since step 2 — an event that slipped in means one more round;
 *    then the access exports are deleted once more: an export that read the card before step 4 may have
 *    written its file after step 3 (one that reads the card after step 4 removes its own: access-export.ts);
 * 5. last, import error-report rows naming the person are redacted, in the table and in the CSV files already
 *    written to the import bucket, within the invocation's time (`remainingMs`); what is left goes on in a
 *    fresh invocation (`continueRedaction`), and the pending redaction recorded in step 2 keeps it from being
 *    lost (the retention run finishes one whose continuation was). Reading every recent report is what grows
 *    with a tenant's imports (a 20,000-row report: seconds), so it is the step that may not fit.
 * While the card exists, DELETE can be repeated; once it is gone, the id answers 404 like any unknown id.
 * A customer merged into another is that other customer now: its id answers 409 naming the survivor
 * (`mergedInto`), whether the merge came before the DELETE or raced it and won; nothing is suppressed.
 */
export async function eraseCustomer(ctx: ErasureContext, customerId: string, opts: ErasureOptions = {}): Promise<'erased' | 'kept'> {
  const clock = () => ctx.now?.() ?? new Date();
  let claim: ErasureClaim | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const card = await ctx.privacy.getCard(ctx.tenantId, customerId);
    if (!card) {
      // Only a merge's switch-over or an erasure removes a card. A claimed card cannot be merged away, so a
      // redirect here means the merge won before this erasure touched anything.
      const survivor = await ctx.privacy.mergedInto(ctx.tenantId, customerId);
      if (survivor) throw new ConflictError(`Customer ${customerId} was merged into ${survivor}; erase ${survivor} instead`, { mergedInto: survivor });
      if (round === 0) throw new NotFoundError(`Customer ${customerId}`);
      return 'erased'; // by a concurrent erasure of the same customer
    }
    // A mark left by another erasure (under way, or interrupted: a Lambda timeout) is taken over and
    // finished, with the suppression it asked for. A mark of the person's own request is not retention's
    // to judge: the person asked to be forgotten, a booking since does not withdraw that.
    const mark = await ctx.privacy.erasureClaim(ctx.tenantId, customerId);
    if (opts.stillErasable && !mark?.suppress && !opts.stillErasable(card)) {
      // The mark goes with the decision to keep: this run's own, or one a retention run left when interrupted
      // (taken over first, so that a claim made meanwhile by someone else stays).
      const own = claim ?? (mark ? await ctx.privacy.claimErasure(ctx.tenantId, card, clock().toISOString(), { suppress: false, over: mark }) : undefined);
      if (own) {
        // With the redaction an earlier round recorded: the card stays, its report rows too.
        await dropRedaction(ctx, customerId);
        await ctx.privacy.releaseErasure(ctx.tenantId, customerId, own.token!);
      }
      return 'kept';
    }
    // The card changed (an event), went, or another erasure claimed it between the reads and the claim: read again.
    claim = await ctx.privacy.claimErasure(ctx.tenantId, card, clock().toISOString(), { suppress: opts.suppress !== false, over: mark });
    if (!claim) continue;
    // People merged into this customer are this person too: their identities point here, and their old
    // partitions hold a redirect to this id.
    const merged = (card as Customer & { mergedFrom?: ({ id: string } & Identity)[] }).mergedFrom ?? [];
    const identities: Identity[] = [card, ...merged];
    // The emails and phones the person had before (a typo a later event or a PATCH corrected, an old number,
    // one an import's undo took back) are theirs too: an event naming one must not start their card again, and
    // an import report row quoting one is theirs. Only the partition remembers them (replaced-identity records,
    // older history `changes`), so they are read before it goes; a run resumed after that has suppressed them
    // already. A card merged into this one brings its own (moved onto this card's partition, or still in its
    // old one). One another customer holds now (a number given to someone else since) is theirs: left alone.
    const own = new Set([customerId, ...merged.map((m) => m.id)]);
    const replaced = (await Promise.all([...own].map((id) => ctx.privacy.replacedIdentities(ctx.tenantId, id)))).flat();
    const formerly: Identity[] = replaced.filter((r) => !r.heldBy || own.has(r.heldBy)).map(({ email, phone }) => ({ email: email ?? null, phone: phone ?? null }));
    const redaction = await recordRedaction(ctx, [customerId, ...merged.map((m) => m.id)], [...identities, ...formerly]);
    if (claim.suppress) {
      const theirs = ownIdentity(card);
      for (const id of [theirs, ...merged, ...formerly]) await suppressIdentity(ctx.privacy, ctx.tenantId, id, clock().toISOString());
      // Their bookings and orders too: a later event of one (the booking tool's update under a new address) is theirs.
      const subjects = (await Promise.all([...own].map((id) => ctx.privacy.subjectsOf(ctx.tenantId, id)))).flat();
      if (subjects.length) {
        const secret = await ctx.privacy.privacySecret(ctx.tenantId);
        await ctx.privacy.suppress(ctx.tenantId, subjects.map((s) => subjectHash(secret, s)), clock().toISOString());
      }
    }
    // The searches the business saved naming them (a segment, an export's filter: `q` holds what was typed to
    // find one person) would outlive the card: they no longer find anyone, and say so.
    const people = [card, ...((card as Customer & { mergedFrom?: { firstName?: string | null; lastName?: string | null }[] }).mergedFrom ?? [])];
    await ctx.privacy.redactSavedSearches(ctx.tenantId, savedSearchNaming(customerId, [...identities, ...formerly], people), clock().toISOString());
    for (const id of [customerId, ...merged.map((m) => m.id)]) await ctx.privacy.erasePartition(ctx.tenantId, id);
    // Another card's record of an address it once held and replaced (a typo of this person's address) would
    // keep the person's email after them: it goes too (that card keeps its current identities and history).
    const emails = new Set([...identities, ...formerly].map((i) => i.email).filter((e): e is string => !!e));
    for (const email of emails) await ctx.privacy.forgetReplacedEmail(ctx.tenantId, email, own);
    const ids = [customerId, ...merged.map((m) => m.id)];
    await deleteAccessExports(ctx, ids);
    const audit = auditEntry({ actor: ctx.actor, action: 'customer.erase', target: 'customer', at: clock() });
    if (await ctx.privacy.finishErasure(ctx.tenantId, card, identities, audit, { suppressed: claim.suppress })) {
      await deleteAccessExports(ctx, ids);
      await forgetInInsights(ctx.privacy, ctx.tenantId, ids);
      await redactAfterErasure(ctx, redaction, { remainingMs: ctx.remainingMs, start: ctx.continueRedaction });
      return 'erased';
    }
  }
  // The mark stays: the card is half-erased, and a merge must not spread what is left before the DELETE is sent again.
  throw new ConflictError('The customer kept changing while being erased; send the DELETE again');
}

/** `DELETE /v1/customers?email=`: the same erasure, for a person known by email. */
export async function eraseCustomerByEmail(ctx: ErasureContext & { findIdByEmail(tenantId: string, email: string): Promise<string | undefined> }, rawEmail: string | undefined): Promise<void> {
  if (!rawEmail) throw invalid('email', 'is required: DELETE /v1/customers?email=...');
  // A card holds at most 254 characters of email (RFC 5321): a longer one names nobody, and would not even fit a table key.
  if (rawEmail.trim().length > MAX_EMAIL_LENGTH) throw invalid('email', `is longer than ${MAX_EMAIL_LENGTH} characters, so no customer has it`);
  const email = normaliseEmail(rawEmail);
  if (!email) throw invalid('email', 'is not a valid email address');
  // A merge that wins the race moves the email onto the survivor: the person with this email is then the
  // survivor, as if the merge had come first, so the lookup is read again (a few times, merges are rare).
  for (let attempt = 0; ; attempt++) {
    const id = await ctx.findIdByEmail(ctx.tenantId, email);
    if (!id) {
      // A second erasure request from the same person is common (GDPR), so this is asked first: the 404 says
      // the email is an erased person's, as `POST /v1/customers` with it already does (409 `suppressed`), so
      // "not found" does not read as "their data is somewhere else", and a card that once held the address (a
      // typo of someone else's, replaced since) is not named as if it were theirs.
      if (await isSuppressed(ctx.privacy, ctx.tenantId, { email })) {
        throw new DomainError(404, 'Not found', 'No customer has this email: it belongs to a person erased before', { suppressed: true });
      }
      // No card holds it now, but one held it before (a PATCH or a booking update replaced it): clientela still
      // holds the address (that card's replaced-identity record, its history). Not followed: a replaced address
      // is often a typo, someone else's mailbox, and a request proven from it is not proof of being the person
      // on the card. The 409 names the card, so the business can verify the person and erase it by id.
      const formerly = await ctx.privacy.formerHoldersOf(ctx.tenantId, 'email', email);
      if (formerly.length) {
        throw new ConflictError(
          `No customer has this email now, but ${formerly.length === 1 ? `customer ${formerly[0]} held it before` : `customers ${formerly.join(', ')} held it before`} (it was replaced): check that the request is that person's, then erase them with DELETE /v1/customers/{id}`,
          { formerlyHeldBy: formerly },
        );
      }
      throw new NotFoundError('A customer with this email');
    }
    try {
      await eraseCustomer(ctx, id);
      return;
    } catch (e) {
      if (!(e instanceof ConflictError && e.extra.mergedInto) || attempt >= 2) throw e;
    }
  }
}

/**
 * The access exports spilled to the export bucket, of the person and of everyone merged into them (an export
 * made before a merge is under the old id): one key per id (objectKeys.personalData), deleted by name.
 */
async function deleteAccessExports(ctx: ErasureContext, customerIds: string[]): Promise<void> {
  for (const id of customerIds) await ctx.personalData.remove(objectKeys.personalData(ctx.tenantId, id));
}
