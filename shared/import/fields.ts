// The import API's schemas (./import-job.schema.ts) name the fields without loading the header recogniser (./columns.ts).

/** What a CSV column can feed. `fullName` is split into first and last name; `mobile` is a phone;
 * `totalSpentMinor` is an amount already in minor units (clientela's own exports). */
export const IMPORT_FIELDS = [
  'firstName', 'lastName', 'fullName', 'email', 'phone', 'mobile', 'language', 'consent', 'birthDate', 'gender',
  'city', 'postalCode', 'country', 'tags', 'notes', 'firstContactAt', 'lastContactAt', 'totalSpent', 'totalSpentMinor',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
