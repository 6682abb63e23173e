import { config } from '../config.ts';
import { dynamo } from '../clients.ts';
import { dynamoTenantStore, type TenantStore } from '../store/tenant.store.ts';
import { dynamoCustomerStore, type CustomerStore } from '../store/customer.store.ts';
import { dynamoImportStore, type ImportStore } from '../store/import.store.ts';
import type { ApiKeyRecord } from '../domain/api-key.ts';

export interface Stores {
  tenants: TenantStore;
  customers: CustomerStore;
  imports: ImportStore; // imports (issue 4)
}

let cached: Stores | undefined;

/** The DynamoDB adapters for this process, built once from the validated configuration. */
export function stores(): Stores {
  if (!cached) {
    const { TABLE_NAME, KEY_CACHE_SECONDS } = config();
    const db = dynamo();
    cached = { tenants: withKeyCache(dynamoTenantStore(db, TABLE_NAME), KEY_CACHE_SECONDS * 1000), customers: dynamoCustomerStore(db, TABLE_NAME), imports: dynamoImportStore(db, TABLE_NAME) };
  }
  return cached;
}

/**
 * Verified keys are cached briefly in a warm function, saving a read per request; a revoked key stops
 * working within that time (KEY_CACHE_SECONDS, documented in the README).
 */
function withKeyCache(store: TenantStore, ttlMs: number): TenantStore {
  if (ttlMs <= 0) return store;
  const cache = new Map<string, { key: ApiKeyRecord | undefined; until: number }>();
  return {
    ...store,
    async getApiKey(hash) {
      const hit = cache.get(hash);
      if (hit && hit.until > Date.now()) return hit.key;
      const key = await store.getApiKey(hash);
      if (cache.size > 1000) cache.clear();
      cache.set(hash, { key, until: Date.now() + ttlMs });
      return key;
    },
  };
}

// ---- Segments and exports (issue 5) ----
import { s3Client } from '../clients.ts';
import { dynamoSegmentStore, type SegmentStore } from '../store/segment.store.ts';
import { dynamoExportStore, s3ExportFiles, type ExportFiles, type ExportStore } from '../store/export.store.ts';

let segmentAndExport: { segments: SegmentStore; exports: ExportStore; exportFiles: ExportFiles } | undefined;

/** Saved segments, export records and export files for this process (built once, like stores()). */
export function segmentExportStores() {
  if (!segmentAndExport) {
    const { TABLE_NAME, EXPORT_BUCKET } = config();
    segmentAndExport = {
      segments: dynamoSegmentStore(dynamo(), TABLE_NAME),
      exports: dynamoExportStore(dynamo(), TABLE_NAME),
      exportFiles: s3ExportFiles(s3Client(), EXPORT_BUCKET),
    };
  }
  return segmentAndExport;
}

// ---- Events: automatic capture (issue 3) ----
import { dynamoEventStore, type EventStore } from '../store/event.store.ts';

let eventStore: EventStore | undefined;

/** The capture store for this process (built once, like stores()). */
export function eventStores(): { events: EventStore } {
  eventStore ??= dynamoEventStore(dynamo(), config().TABLE_NAME);
  return { events: eventStore };
}

// ---- Privacy (issue 6): privacy secret, suppression, erasure, audit log ----
import { dynamoPrivacyStore, type PrivacyStore } from '../store/privacy.store.ts';
import { dynamoAuditStore, type AuditStore } from '../store/audit.store.ts';

import { errorReportFiles, type ErrorReportFiles } from '../import/error-report.ts';
import { s3ObjectStore } from '../import/object-store.ts';

let privacyAndAudit: { privacy: PrivacyStore; audit: AuditStore } | undefined;

/** The privacy and audit stores for this process (built once, like stores()). */
export function privacyStores(): { privacy: PrivacyStore; audit: AuditStore } {
  privacyAndAudit ??= { privacy: dynamoPrivacyStore(dynamo(), config().TABLE_NAME), audit: dynamoAuditStore(dynamo(), config().TABLE_NAME) };
  return privacyAndAudit;
}

let reportFiles: ErrorReportFiles | undefined;

/** The import error-report files erasure rewrites (built once; only the erasing functions create an S3 client). */
export function errorReports(): ErrorReportFiles {
  reportFiles ??= errorReportFiles(s3ObjectStore(s3Client()), config().IMPORT_BUCKET);
  return reportFiles;
}

// ---- Merging people (issue 3) ----
import { dynamoMergeStore, type MergeStore } from '../store/merge.store.ts';

let mergeStore: MergeStore | undefined;

/** Merge, duplicate and redirect access for this process (built once, like stores()). */
export function mergeStores(): { merges: MergeStore } {
  mergeStore ??= dynamoMergeStore(dynamo(), config().TABLE_NAME);
  return { merges: mergeStore };
}

// ---- Mail clientela sends itself (double opt-in) ----
import { sesClient } from '../clients.ts';
import { logger } from '../logger.ts';
import { outboxEmailSender } from '../mail/outbox-email-sender.ts';
import { sesEmailSender } from '../mail/ses-email-sender.ts';
import { confirmationMailer } from '../mail/confirmation-mailer.ts';
import type { ConfirmationMailer } from '../events/ingest.ts';

let mail: { mailer: ConfirmationMailer | undefined } | undefined;

/**
 * The double opt-in mailer for this process: `.eml` files in MAIL_OUTBOX_DIR locally, Amazon SES where
 * MAIL_FROM is set (CDK sets it on the function that captures events). Neither: no mail, said once.
 */
export function mailer(): ConfirmationMailer | undefined {
  if (!mail) {
    const { MAIL_OUTBOX_DIR, MAIL_FROM } = config();
    const sender = MAIL_OUTBOX_DIR ? outboxEmailSender(MAIL_OUTBOX_DIR) : MAIL_FROM ? sesEmailSender(sesClient(), { from: MAIL_FROM }) : undefined;
    if (!sender) logger.warn('no mail is sent: set MAIL_FROM (SES) or MAIL_OUTBOX_DIR (local .eml files)');
    mail = { mailer: sender ? confirmationMailer(sender, MAIL_FROM ?? 'no-reply@clientela.local') : undefined };
  }
  return mail.mailer;
}
