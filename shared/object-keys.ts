/**
 * Every S3 object key, in one place (DynamoDB keys live in shared/store/keys.ts). The CDK app reads the
 * prefixes for lifecycle rules and IAM; the import and export code builds keys only through these.
 */
export const IMPORT_PREFIX = 'imports/';
export const REPORTS_PREFIX = 'reports/';
export const EXPORTS_PREFIX = 'exports/';
export const INSIGHTS_PREFIX = 'insights/';
export const PERSONAL_DATA_PREFIX = 'personal-data/';

export const objectKeys = {
  /** A CSV to import, in the import bucket; the tenant comes from the key, never from the file. */
  importUpload: (tenantId: string, importId: string) => `${IMPORT_PREFIX}${tenantId}/${importId}.csv`,
  /** An import's error report (CSV), in the import bucket; expires with its lifecycle rule. */
  importReport: (tenantId: string, importId: string) => `${REPORTS_PREFIX}${tenantId}/${importId}.csv`,
  /** One shard's part of an export (deleted once combined), in the export bucket. */
  exportPart: (tenantId: string, exportId: string, shard: number) => `${EXPORTS_PREFIX}${tenantId}/${exportId}/parts/${String(shard).padStart(3, '0')}`,
  /**
   * A person's access export too large for one API answer (GET /v1/customers/{id}/export), in the export
   * bucket. One key per person: a later export replaces it (no copies pile up), and the erasure deletes it
   * by name (no listing), for the person's id and every id merged into it. Expires with the other export files.
   */
  personalData: (tenantId: string, customerId: string) => `${PERSONAL_DATA_PREFIX}${tenantId}/${customerId}.json`,
  /** The export file itself. */
  exportFile: (tenantId: string, exportId: string, extension: string) => `${EXPORTS_PREFIX}${tenantId}/${exportId}/customers.${extension}`,
  /** One shard's scratch object of a recompute, in the export bucket (deleted at the end). */
  recomputeShard: (tenantId: string, recomputeId: string, what: 'purchases' | 'insights' | 'breakdown', shard: number) =>
    `${INSIGHTS_PREFIX}${tenantId}/${recomputeId}/${what}/${String(shard).padStart(3, '0')}.ndjson`,
  recomputePrefix: (tenantId: string, recomputeId: string) => `${INSIGHTS_PREFIX}${tenantId}/${recomputeId}/`,
  /** One shard's recommendations of a recompute (issue 14), read by WriteShard onto the cards (deleted at the end). */
  recomputeRecommendations: (tenantId: string, recomputeId: string, shard: number) =>
    `${INSIGHTS_PREFIX}${tenantId}/${recomputeId}/recommendations/${String(shard).padStart(3, '0')}.ndjson`,
};
