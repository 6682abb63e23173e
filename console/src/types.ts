/** The shapes of the answers the pages read (the contract, docs/api.md). */
export interface Consent {
  newsletter: 'granted' | 'denied' | 'pending' | 'unknown';
  updatedAt?: string;
  source?: string;
}
export interface Stats {
  bookings: number;
  noShows: number;
  cancellations: number;
  orders: number;
  totalSpent: number;
  averageOrderValue: number;
  lastVisitAt?: string | null;
}
export interface Customer {
  id: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  language?: string | null;
  consent: Consent;
  tags: string[];
  birthDate?: string | null;
  gender?: string | null;
  city?: string | null;
  postalCode?: string | null;
  country?: string | null;
  notes?: string | null;
  firstContactAt?: string | null;
  lastContactAt?: string | null;
  stats: Stats;
  createdAt: string;
  updatedAt: string;
  insights?: {
    asOf: string;
    rfm?: { score: string; group: string };
    pAlive?: number;
    expectedPurchases90d?: number;
    clv12m?: number;
    atRisk?: boolean;
    favouriteItems?: { sku: string; name: string; quantity: number }[];
  };
}
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}
export interface HistoryEntry {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}
export interface ConsentEntry {
  id: string;
  channel: string;
  status: 'granted' | 'denied' | 'pending';
  at: string;
  source: Record<string, string>;
  wording?: string;
}
export interface Segment {
  id: string;
  name: string;
  filter: Record<string, unknown>;
  createdAt?: string;
}
export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  warnings: number;
}
export interface ImportView {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  fileName: string | null;
  dryRun: boolean;
  counts: ImportCounts;
  detected: { encoding: string; delimiter: string; columns: Record<string, string> } | null;
  newTags: string[];
  reason: string | null;
  createdAt: string;
  finishedAt: string | null;
  errorReportUrl?: string;
  undo?: { status: 'running' | 'completed'; removed: number; restored: number; kept: number };
}
export interface CreatedImport {
  importId: string;
  uploadUrl: string;
  method?: 'POST' | 'PUT';
  fields?: Record<string, string>;
  headers?: Record<string, string>;
}
export interface ExportView {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  reason?: string;
  rowCount?: number;
  url?: string;
  expiresAt?: string;
  format?: string;
  createdAt?: string;
  segmentId?: string;
}
export interface Settings {
  id: string;
  name: string;
  allowedOrigins: string[];
  defaultCountry: string;
  currency: string;
  timeZone: string;
  language: string;
  retention?: { inactiveMonths: number | null };
  discountRate?: number;
}
export interface ApiKey {
  keyId: string;
  kind: 'secret' | 'publishable';
  scope?: string;
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}
