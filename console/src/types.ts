/**
 * The shapes of the answers the pages read: the generated OpenAPI types of the typed client
 * (client/schema.d.ts, `npm run client:generate`), so a change of the API that the console does not follow
 * fails `npm run build` (which type-checks the console) instead of a page at run time.
 */
import type { components, paths } from '../../client/schema.d.ts';

type Schemas = components['schemas'];

export type Customer = Schemas['CustomerCard'];
export type Consent = Schemas['CustomerConsent'];
export type Stats = Schemas['CustomerStats'];
export type HistoryEntry = Schemas['HistoryEntry'];
export type ConsentEntry = Schemas['ConsentEntry'];
export type Segment = Schemas['Segment'];
export type ImportCounts = Schemas['ImportCounts'];
export type ImportView = Schemas['Import'];
export type CreatedImport = Schemas['CreatedImport'];
export type ExportView = Schemas['Export'];
export type Settings = Schemas['Settings'];
export type ApiKey = Schemas['ApiKey'];

/** A page of any list answer. */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/** The 200 answer of a GET route, as the OpenAPI document describes it. */
type GetAnswer<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer A } } } } } ? A : never;

export type Summary = GetAnswer<'/v1/insights/summary'>;
export type Forecast = GetAnswer<'/v1/insights/forecast'>;
export type Breakdown = GetAnswer<'/v1/insights/breakdown'>;
export type RulesPage = GetAnswer<'/v1/insights/rules'>;
export type Rule = RulesPage['items'][number];
export type ItemRef = Rule['lhs'];
export type Keywords = GetAnswer<'/v1/insights/keywords'>;
export type Recommendations = GetAnswer<'/v1/customers/{id}/recommendations'>;

/** Fails the build if a route above lost its 200 answer (its type would silently be `never`). */
type Exists<T> = [T] extends [never] ? 'missing from the OpenAPI document' : true;
export const ANSWERS_EXIST: [Exists<Summary>, Exists<Forecast>, Exists<Breakdown>, Exists<RulesPage>, Exists<Keywords>, Exists<Recommendations>] = [true, true, true, true, true, true];
