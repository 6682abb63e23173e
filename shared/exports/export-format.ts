import { insightsInOrder, type Customer } from '../domain/customer.schema.ts';

/**
 * Columns an export can hold, in their default order (the card's fields). Each has a CSV value and a place
 * in the JSON Lines row, which keeps the card's shape (`tags` an array, `stats` and `consent` objects).
 */
export const COLUMN_NAMES = [
  'id',
  'firstName',
  'lastName',
  'email',
  'phone',
  'language',
  'consent',
  'consentUpdatedAt',
  'consentSource',
  'tags',
  'birthDate',
  'gender',
  'city',
  'postalCode',
  'country',
  'notes',
  'firstContactAt',
  'lastContactAt',
  'bookings',
  'visits',
  'noShows',
  'cancellations',
  'orders',
  'totalSpent',
  'averageOrderValue',
  'lastVisitAt',
  'createdAt',
  'updatedAt',
] as const;
export type ColumnName = (typeof COLUMN_NAMES)[number];

/**
 * Custom attributes (the card's `attributes`: imports keep unknown columns there) as columns:
 * `attributes.<name>` is one attribute, headed by its name; `attributes` is one column per attribute name
 * the exported customers have (names not given on their own), in name order. Those names are learnt
 * while the parts are written, so a CSV part leaves their cells open and Combine fills them in. Past
 * MAX_ATTRIBUTE_COLUMNS names, the first ones in name order get a column each and the others go, for each
 * customer, in one more column holding them as a JSON object (MORE_ATTRIBUTES_HEADERS), which the import
 * reads back as those attributes.
 */
export const ALL_ATTRIBUTES = 'attributes';
export const ATTRIBUTE_PREFIX = 'attributes.';
export type AttributeColumn = `attributes.${string}`;
/**
 * Insight columns (issue 13), never in the default columns: each figure of the card's `insights` by its
 * path, or `insights` for the whole object (JSON Lines: the object as on the card; CSV: its JSON text).
 * Empty for a customer without insights (no purchase, or before the first recompute); the `insights.rfm.*` ones
 * also while the tenant has too few purchasers for RFM. recency/frequency/monetary are the scores 1–5,
 * days/occasions/spent the figures scored.
 */
export const INSIGHT_COLUMNS = [
  'insights',
  'insights.rfm.group',
  'insights.rfm.score',
  'insights.rfm.recency',
  'insights.rfm.frequency',
  'insights.rfm.monetary',
  'insights.rfm.days',
  'insights.rfm.occasions',
  'insights.rfm.spent',
  'insights.atRisk',
  'insights.pAlive',
  'insights.expectedPurchases90d',
  'insights.expectedAverageSpend',
  'insights.clv12m',
] as const;
export type InsightColumn = (typeof INSIGHT_COLUMNS)[number];
const isInsightColumn = (c: string): c is InsightColumn => (INSIGHT_COLUMNS as readonly string[]).includes(c);
const insightValue = (c: Customer, column: InsightColumn): unknown => {
  const insights = (c as { insights?: Record<string, unknown> }).insights;
  // The whole object as the card shows it (not what the recompute keeps beside it for its own use).
  if (column === 'insights') return insights ? insightsInOrder(insights) : undefined;
  let v: unknown = c;
  for (const seg of column.split('.')) v = v === null || v === undefined ? undefined : (v as Record<string, unknown>)[seg];
  return v;
};

export type ExportColumn = ColumnName | typeof ALL_ATTRIBUTES | AttributeColumn | InsightColumn;

/** The columns of an export that names none: the card's fields, then its custom attributes. */
export const DEFAULT_COLUMNS: readonly ExportColumn[] = [...COLUMN_NAMES, ALL_ATTRIBUTES];

/**
 * Distinct attribute names an `attributes` column spreads over, a column each (a sheet of more is no longer
 * readable): the first ones in name order (attributeNameOrder). A customer's attributes past them are written
 * in one more column, `More custom fields (JSON)`, as a JSON object `{"name":"value",...}` (empty when the
 * customer has none of them): the file still holds every attribute, and an import reads that column back as
 * the attributes it names (shared/import/columns.ts).
 */
export const MAX_ATTRIBUTE_COLUMNS = 100;

/**
 * Name order for attribute columns: alphabetical in English collation (accents and case fold together,
 * `Allergie` before `cane` before `Zona`), ties broken by code unit so that the order is total and a part
 * and Combine always choose the same first MAX_ATTRIBUTE_COLUMNS names.
 */
export const attributeNameOrder = (a: string, b: string): number => a.localeCompare(b, 'en') || (a < b ? -1 : a > b ? 1 : 0);

/**
 * Errors of a request the data cannot satisfy: retrying changes nothing, the user changes the request.
 * The workflow does not retry a step failing with one (infra/export-workflow.ts) and its reason is shown
 * as written. No step throws TooManyAttributesError any more (names past the maximum go in the JSON column);
 * it stays the marker of that kind of error.
 */
export const EXPORT_USER_ERRORS = ['TooManyAttributesError'] as const;

export class TooManyAttributesError extends Error {
  override name = 'TooManyAttributesError';
  constructor() {
    super(`the customers have more than ${MAX_ATTRIBUTE_COLUMNS} custom attribute names: name the ones to export with columns "attributes.<name>"`);
  }
}

const attributeName = (column: string): string | undefined => (column.startsWith(ATTRIBUTE_PREFIX) ? column.slice(ATTRIBUTE_PREFIX.length) : undefined);

type Cell = string | number | null;
const STAT_COLUMNS = new Set<ColumnName>(['bookings', 'visits', 'noShows', 'cancellations', 'orders', 'totalSpent', 'averageOrderValue', 'lastVisitAt']);

function cell(c: Customer, column: ColumnName | AttributeColumn | InsightColumn): Cell {
  const attribute = attributeName(column);
  if (attribute !== undefined) return c.attributes?.[attribute] ?? null;
  if (isInsightColumn(column)) {
    const v = insightValue(c, column);
    if (v === undefined || v === null) return null;
    return typeof v === 'number' || typeof v === 'string' ? v : typeof v === 'boolean' ? String(v) : JSON.stringify(v);
  }
  switch (column) {
    case 'consent':
      return c.consent.newsletter;
    case 'consentUpdatedAt':
      return c.consent.updatedAt;
    case 'consentSource':
      // How the answer was given (`api`, `import`, `double-opt-in`, an event type): a re-import states it in its ledger entry.
      return c.consent.source;
    case 'tags':
      return tagsCell(c.tags);
    default:
      if (STAT_COLUMNS.has(column as ColumnName)) return c.stats[column as keyof Customer['stats']] ?? null;
      return (c[column as keyof Customer] as Cell | undefined) ?? null;
  }
}

/**
 * What would split or change a tag name as the import reads a tags cell (shared/import/values.ts splitTags):
 * its separators `,` `;` `|` and Google's ` ::: `, a quote (ASCII or typographic, read as quoting), a leading
 * `* ` (a Google system label, left out).
 */
const TAG_NEEDS_QUOTES = /[,;|"\u201c\u201d]|:::|^\* /;

/**
 * The tags cell: names joined with `|` (readable in a sheet); a name the import would otherwise split or
 * change ("Yoga, Pilates", which a Mailchimp import brings) is written in Mailchimp's quoted form,
 * `"Yoga, Pilates"|VIP`, its quotes doubled, which the import reads back as one tag.
 */
export function tagsCell(tags: readonly string[]): string {
  return tags.map((t) => (TAG_NEEDS_QUOTES.test(t) ? `"${t.replace(QUOTES, '""')}"` : t)).join('|');
}

/** The JSON Lines row: the card's shape restricted to the chosen columns (`attributes` an object). */
export function jsonRow(c: Customer, columns: readonly ExportColumn[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    const attribute = attributeName(column);
    if (column === ALL_ATTRIBUTES) {
      row.attributes = { ...(row.attributes as object), ...c.attributes };
    } else if (attribute !== undefined) {
      const attributes = (row.attributes ??= {}) as Record<string, unknown>;
      attributes[attribute] = c.attributes?.[attribute] ?? null;
    } else if (isInsightColumn(column)) {
      const insights = (c as { insights?: Record<string, unknown> }).insights;
      if (column === 'insights') row.insights = insights ? insightsInOrder(insights) : null;
      else if (row.insights !== null || insights) {
        // The card's shape: the chosen figures inside an `insights` object (null without insights).
        if (!insights) row.insights = null;
        else {
          const path = column.split('.').slice(1);
          let target = (row.insights ??= {}) as Record<string, unknown>;
          for (const seg of path.slice(0, -1)) target = (target[seg] ??= {}) as Record<string, unknown>;
          target[path.at(-1)!] = insightValue(c, column) ?? null;
        }
      }
    } else if (STAT_COLUMNS.has(column as ColumnName)) {
      const stats = (row.stats ??= {}) as Record<string, unknown>;
      stats[column] = c.stats[column as keyof Customer['stats']] ?? null;
    } else if (column === 'consent') {
      const consent = (row.consent ??= {}) as Record<string, unknown>;
      Object.assign(consent, { newsletter: c.consent.newsletter, source: c.consent.source });
    } else if (column === 'consentUpdatedAt') {
      const consent = (row.consent ??= {}) as Record<string, unknown>;
      consent.updatedAt = c.consent.updatedAt;
    } else if (column === 'consentSource') {
      const consent = (row.consent ??= {}) as Record<string, unknown>;
      consent.source = c.consent.source;
    } else {
      row[column] = (c as unknown as Record<string, unknown>)[column] ?? null;
    }
  }
  return row;
}

/**
 * The card attributes an export reads for its columns (a shard Query projects just these): never the
 * index keys, search text or bookkeeping, which are as large as the fields themselves. `marketing` needs
 * the consent to choose rows.
 */
export function cardFields(columns: readonly ExportColumn[], purpose: 'marketing' | null): string[] {
  const fields = new Set<string>(['id']);
  for (const column of columns) {
    if (column === 'consent' || column === 'consentUpdatedAt' || column === 'consentSource') fields.add('consent');
    else if (column === ALL_ATTRIBUTES || attributeName(column) !== undefined) fields.add('attributes');
    else if (STAT_COLUMNS.has(column as ColumnName)) fields.add('stats');
    else if (isInsightColumn(column)) fields.add('insights');
    else fields.add(column);
  }
  if (purpose === 'marketing') fields.add('consent');
  return [...fields];
}

/**
 * A spreadsheet runs a cell starting with `=`, `+`, `-`, `@` (or a tab/CR that hides one) as a formula:
 * prefixing `'` makes it text (OWASP CSV injection). Numbers we write ourselves are left alone.
 */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * What makes a cell a formula. Spreadsheets skip leading NULs, control characters and any kind of space
 * (no-break, ideographic, line and paragraph separators, zero-width ones) before reading a formula, so
 * "\0=HYPERLINK(...)", "  =1+1" or "\u3000=1" are formulas too; Excel in East Asian locales also reads the
 * full-width ＝ ＋ － ＠ as formula characters. The import (shared/import/row.ts) undoes exactly this prefix.
 */
export const FORMULA_START = /^[\0-\x20\s\u200b-\u200d\u2060\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/** Header labels; the tenant's language when we have it, English otherwise. */
const HEADERS: Record<'en' | 'it' | 'fr' | 'de' | 'es', Record<ColumnName, string>> = {
  en: {
    id: 'Customer ID', firstName: 'First name', lastName: 'Last name', email: 'Email', phone: 'Phone', language: 'Language',
    consent: 'Newsletter consent', consentUpdatedAt: 'Consent updated at', consentSource: 'Consent source', tags: 'Tags', birthDate: 'Birth date', gender: 'Gender',
    city: 'City', postalCode: 'Postal code', country: 'Country', notes: 'Notes', firstContactAt: 'First contact', lastContactAt: 'Last contact',
    bookings: 'Bookings', visits: 'Visits', noShows: 'No-shows', cancellations: 'Cancellations', orders: 'Orders',
    totalSpent: 'Total spent (minor units)', averageOrderValue: 'Average order value (minor units)', lastVisitAt: 'Last visit',
    createdAt: 'Created at', updatedAt: 'Updated at',
  },
  it: {
    id: 'ID cliente', firstName: 'Nome', lastName: 'Cognome', email: 'Email', phone: 'Telefono', language: 'Lingua',
    consent: 'Consenso newsletter', consentUpdatedAt: 'Consenso aggiornato il', consentSource: 'Consenso raccolto tramite', tags: 'Etichette', birthDate: 'Data di nascita', gender: 'Genere',
    city: 'Città', postalCode: 'CAP', country: 'Paese', notes: 'Note', firstContactAt: 'Primo contatto', lastContactAt: 'Ultimo contatto',
    bookings: 'Prenotazioni', visits: 'Visite', noShows: 'Mancate presentazioni', cancellations: 'Cancellazioni', orders: 'Ordini',
    totalSpent: 'Spesa totale (centesimi)', averageOrderValue: 'Valore medio ordine (centesimi)', lastVisitAt: 'Ultima visita',
    createdAt: 'Creato il', updatedAt: 'Aggiornato il',
  },
  fr: {
    id: 'ID client', firstName: 'Prénom', lastName: 'Nom', email: 'E-mail', phone: 'Téléphone', language: 'Langue',
    consent: 'Consentement newsletter', consentUpdatedAt: 'Consentement mis à jour le', consentSource: 'Consentement recueilli via', tags: 'Étiquettes', birthDate: 'Date de naissance', gender: 'Genre',
    city: 'Ville', postalCode: 'Code postal', country: 'Pays', notes: 'Notes', firstContactAt: 'Premier contact', lastContactAt: 'Dernier contact',
    bookings: 'Réservations', visits: 'Visites', noShows: 'Absences', cancellations: 'Annulations', orders: 'Commandes',
    totalSpent: 'Total dépensé (centimes)', averageOrderValue: 'Panier moyen (centimes)', lastVisitAt: 'Dernière visite',
    createdAt: 'Créé le', updatedAt: 'Mis à jour le',
  },
  de: {
    id: 'Kunden-ID', firstName: 'Vorname', lastName: 'Nachname', email: 'E-Mail', phone: 'Telefon', language: 'Sprache',
    consent: 'Newsletter-Einwilligung', consentUpdatedAt: 'Einwilligung geändert am', consentSource: 'Einwilligung erteilt über', tags: 'Schlagwörter', birthDate: 'Geburtsdatum', gender: 'Geschlecht',
    city: 'Ort', postalCode: 'PLZ', country: 'Land', notes: 'Notizen', firstContactAt: 'Erster Kontakt', lastContactAt: 'Letzter Kontakt',
    bookings: 'Buchungen', visits: 'Besuche', noShows: 'Nichterscheinen', cancellations: 'Stornierungen', orders: 'Bestellungen',
    totalSpent: 'Gesamtumsatz (Cent)', averageOrderValue: 'Durchschnittlicher Bestellwert (Cent)', lastVisitAt: 'Letzter Besuch',
    createdAt: 'Erstellt am', updatedAt: 'Geändert am',
  },
  es: {
    id: 'ID de cliente', firstName: 'Nombre', lastName: 'Apellidos', email: 'Correo electrónico', phone: 'Teléfono', language: 'Idioma',
    consent: 'Consentimiento newsletter', consentUpdatedAt: 'Consentimiento actualizado el', consentSource: 'Consentimiento obtenido por', tags: 'Etiquetas', birthDate: 'Fecha de nacimiento', gender: 'Género',
    city: 'Ciudad', postalCode: 'Código postal', country: 'País', notes: 'Notas', firstContactAt: 'Primer contacto', lastContactAt: 'Último contacto',
    bookings: 'Reservas', visits: 'Visitas', noShows: 'No presentados', cancellations: 'Cancelaciones', orders: 'Pedidos',
    totalSpent: 'Gasto total (céntimos)', averageOrderValue: 'Valor medio del pedido (céntimos)', lastVisitAt: 'Última visita',
    createdAt: 'Creado el', updatedAt: 'Actualizado el',
  },
};
export type HeaderLanguage = keyof typeof HEADERS;

/**
 * Header labels of the insight columns, in the same languages (the figures as docs/api.md, Insights, names
 * them; RFM scores 1–5, amounts in minor units as for the spend columns). The import leaves these columns
 * out: a recompute works them out again (shared/import/columns.ts).
 */
const INSIGHT_HEADERS: Record<HeaderLanguage, Record<InsightColumn, string>> = {
  en: {
    insights: 'Insights (JSON)', 'insights.rfm.group': 'RFM group', 'insights.rfm.score': 'RFM score', 'insights.rfm.recency': 'RFM recency (1-5)',
    'insights.rfm.frequency': 'RFM frequency (1-5)', 'insights.rfm.monetary': 'RFM monetary (1-5)', 'insights.rfm.days': 'Days since last purchase',
    'insights.rfm.occasions': 'Purchase occasions', 'insights.rfm.spent': 'RFM spend (minor units)', 'insights.atRisk': 'Drifting away',
    'insights.pAlive': 'Probability still a customer', 'insights.expectedPurchases90d': 'Expected purchases (90 days)',
    'insights.expectedAverageSpend': 'Expected average spend (minor units)', 'insights.clv12m': 'Customer lifetime value 12 months (minor units)',
  },
  it: {
    insights: 'Analisi (JSON)', 'insights.rfm.group': 'Gruppo RFM', 'insights.rfm.score': 'Punteggio RFM', 'insights.rfm.recency': 'RFM recenza (1-5)',
    'insights.rfm.frequency': 'RFM frequenza (1-5)', 'insights.rfm.monetary': 'RFM valore (1-5)', 'insights.rfm.days': 'Giorni dall’ultimo acquisto',
    'insights.rfm.occasions': 'Occasioni di acquisto', 'insights.rfm.spent': 'Spesa RFM (centesimi)', 'insights.atRisk': 'In ritardo sul ritmo abituale',
    'insights.pAlive': 'Probabilità che sia ancora cliente', 'insights.expectedPurchases90d': 'Acquisti attesi (90 giorni)',
    'insights.expectedAverageSpend': 'Spesa media attesa (centesimi)', 'insights.clv12m': 'Valore cliente 12 mesi (centesimi)',
  },
  fr: {
    insights: 'Analyses (JSON)', 'insights.rfm.group': 'Groupe RFM', 'insights.rfm.score': 'Score RFM', 'insights.rfm.recency': 'RFM récence (1-5)',
    'insights.rfm.frequency': 'RFM fréquence (1-5)', 'insights.rfm.monetary': 'RFM montant (1-5)', 'insights.rfm.days': 'Jours depuis le dernier achat',
    'insights.rfm.occasions': 'Occasions d’achat', 'insights.rfm.spent': 'Dépense RFM (centimes)', 'insights.atRisk': 'En retard sur son rythme habituel',
    'insights.pAlive': 'Probabilité d’être encore client', 'insights.expectedPurchases90d': 'Achats attendus (90 jours)',
    'insights.expectedAverageSpend': 'Dépense moyenne attendue (centimes)', 'insights.clv12m': 'Valeur client 12 mois (centimes)',
  },
  de: {
    insights: 'Analysen (JSON)', 'insights.rfm.group': 'RFM-Gruppe', 'insights.rfm.score': 'RFM-Wert', 'insights.rfm.recency': 'RFM Aktualität (1-5)',
    'insights.rfm.frequency': 'RFM Häufigkeit (1-5)', 'insights.rfm.monetary': 'RFM Umsatz (1-5)', 'insights.rfm.days': 'Tage seit dem letzten Kauf',
    'insights.rfm.occasions': 'Kaufanlässe', 'insights.rfm.spent': 'RFM-Umsatz (Cent)', 'insights.atRisk': 'Später als gewohnt',
    'insights.pAlive': 'Wahrscheinlichkeit noch Kunde', 'insights.expectedPurchases90d': 'Erwartete Käufe (90 Tage)',
    'insights.expectedAverageSpend': 'Erwarteter Durchschnittsumsatz (Cent)', 'insights.clv12m': 'Kundenwert 12 Monate (Cent)',
  },
  es: {
    insights: 'Análisis (JSON)', 'insights.rfm.group': 'Grupo RFM', 'insights.rfm.score': 'Puntuación RFM', 'insights.rfm.recency': 'RFM recencia (1-5)',
    'insights.rfm.frequency': 'RFM frecuencia (1-5)', 'insights.rfm.monetary': 'RFM importe (1-5)', 'insights.rfm.days': 'Días desde la última compra',
    'insights.rfm.occasions': 'Ocasiones de compra', 'insights.rfm.spent': 'Gasto RFM (céntimos)', 'insights.atRisk': 'Más tarde que su ritmo habitual',
    'insights.pAlive': 'Probabilidad de seguir siendo cliente', 'insights.expectedPurchases90d': 'Compras esperadas (90 días)',
    'insights.expectedAverageSpend': 'Gasto medio esperado (céntimos)', 'insights.clv12m': 'Valor del cliente 12 meses (céntimos)',
  },
};

/** `it-IT` → `it`; a language without a dictionary → `en`. */
export function headerLanguage(tenantLanguage: string | undefined): HeaderLanguage {
  const primary = (tenantLanguage ?? '').toLowerCase().split('-')[0]!;
  return primary in HEADERS ? (primary as HeaderLanguage) : 'en';
}

export interface FormatOptions {
  format: 'csv' | 'jsonl';
  columns: readonly ExportColumn[];
  delimiter: ',' | ';';
  language: HeaderLanguage;
}

export const UTF8_BOM = '\uFEFF';

/** RFC 4180 quoting: a cell holding the delimiter, a quote or a line break is quoted, its quotes doubled. */
const NEEDS_QUOTES = { ',': /[",\r\n]/, ';': /[";\r\n]/ } as const;
const QUOTES = /"/g;

/**
 * Control characters other than tab and line breaks: cards written before the API kept them out could hold
 * them, and a NUL makes the file one the import refuses as "not text".
 */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROLS = /[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/g;

/** One CSV cell; text is neutralised against formulas, numbers we write ourselves are left alone. */
function csvCell(value: Cell | undefined, delimiter: ',' | ';'): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = neutraliseFormula(value.replace(CONTROLS, ''));
  return NEEDS_QUOTES[delimiter].test(text) ? `"${text.replace(QUOTES, '""')}"` : text;
}

const csvCells = (c: Customer, columns: readonly (ColumnName | AttributeColumn | InsightColumn)[], delimiter: ',' | ';') =>
  columns.map((column) => csvCell(cell(c, column), delimiter)).join(delimiter);

/**
 * Where an `attributes` column spreads: the columns before and after it, and the attribute names given
 * on their own (not repeated among the names found).
 */
interface CsvLayout {
  before: (ColumnName | AttributeColumn | InsightColumn)[];
  after: (ColumnName | AttributeColumn | InsightColumn)[];
  spreads: boolean;
  named: Set<string>;
}

const layouts = new WeakMap<readonly ExportColumn[], CsvLayout>();
function csvLayout(columns: readonly ExportColumn[]): CsvLayout {
  let layout = layouts.get(columns);
  if (layout) return layout;
  const at = columns.indexOf(ALL_ATTRIBUTES);
  const fixed = (cs: readonly ExportColumn[]) => cs as (ColumnName | AttributeColumn | InsightColumn)[];
  const named = new Set(columns.map(attributeName).filter((n): n is string => n !== undefined));
  layout = at < 0 ? { before: fixed(columns), after: [], spreads: false, named } : { before: fixed(columns.slice(0, at)), after: fixed(columns.slice(at + 1)), spreads: true, named };
  layouts.set(columns, layout);
  return layout;
}

/** Whether the file's columns depend on the attribute names found (CSV with an `attributes` column). */
export function spreadsAttributes(o: FormatOptions): boolean {
  return o.format === 'csv' && o.columns.includes(ALL_ATTRIBUTES);
}

/** The attribute names of a customer that an `attributes` column spreads over (none if it has none). */
export function spreadNames(c: Customer, o: FormatOptions): string[] {
  if (!spreadsAttributes(o) || !c.attributes) return [];
  const { named } = csvLayout(o.columns);
  return Object.keys(c.attributes).filter((name) => !named.has(name));
}

/**
 * Adds a row's spread names to those found so far. Only the first MAX_ATTRIBUTE_COLUMNS + 1 in name order
 * matter (the file's columns, and one more to say there are more): past a few times that many, the set is
 * cut back to them, so a part's memory stays bounded however many names its customers have.
 */
export function collectAttributeNames(rowNames: readonly string[], names: Set<string>): void {
  for (const name of rowNames) names.add(name);
  if (names.size > 4 * (MAX_ATTRIBUTE_COLUMNS + 1)) {
    const keep = firstAttributeNames(names);
    names.clear();
    for (const name of keep) names.add(name);
  }
}

/**
 * What a part reports of the names it found: the first MAX_ATTRIBUTE_COLUMNS + 1 in name order. Their union
 * over the parts holds the first MAX_ATTRIBUTE_COLUMNS of all names, and more than that many exactly when
 * some customer has an attribute past them (the JSON column is needed).
 */
export function firstAttributeNames(names: Iterable<string>): string[] {
  return [...names].sort(attributeNameOrder).slice(0, MAX_ATTRIBUTE_COLUMNS + 1);
}

/** How found names become columns: the first MAX_ATTRIBUTE_COLUMNS spread, and whether the JSON column follows. */
interface AttributeColumns {
  spread: string[];
  set: Set<string>;
  more: boolean;
}
const attributeColumnsOf = new WeakMap<readonly string[], AttributeColumns>();
function attributeColumns(found: readonly string[]): AttributeColumns {
  let columns = attributeColumnsOf.get(found);
  if (!columns) {
    const sorted = [...new Set(found)].sort(attributeNameOrder);
    const spread = sorted.slice(0, MAX_ATTRIBUTE_COLUMNS);
    columns = { spread, set: new Set(spread), more: sorted.length > MAX_ATTRIBUTE_COLUMNS };
    attributeColumnsOf.set(found, columns);
  }
  return columns;
}

/** The header of the column holding, as JSON, the attributes past the first MAX_ATTRIBUTE_COLUMNS names. */
export const MORE_ATTRIBUTES_HEADERS: Record<HeaderLanguage, string> = {
  en: 'More custom fields (JSON)',
  it: 'Altri campi personalizzati (JSON)',
  fr: 'Autres champs personnalisés (JSON)',
  de: 'Weitere eigene Felder (JSON)',
  es: 'Otros campos personalizados (JSON)',
};

/**
 * The start of the file: for CSV the BOM (so Excel reads UTF-8 accents right) and one header row, no
 * `sep=` line; JSON Lines has none. `attributeNames`: the names found for an `attributes` column (all
 * of them, or at least the first MAX_ATTRIBUTE_COLUMNS + 1: see firstAttributeNames), in any order.
 */
export function fileHead(o: FormatOptions, attributeNames: readonly string[] = []): string {
  if (o.format === 'jsonl') return '';
  const labels = o.columns.flatMap((column) => {
    if (column === ALL_ATTRIBUTES) {
      const { spread, more } = attributeColumns(attributeNames);
      return more ? [...spread, MORE_ATTRIBUTES_HEADERS[o.language]] : spread;
    }
    if (isInsightColumn(column)) return [INSIGHT_HEADERS[o.language][column]];
    return [attributeName(column) ?? HEADERS[o.language][column as ColumnName]];
  });
  return `${UTF8_BOM}${labels.map((label) => csvCell(label, o.delimiter)).join(o.delimiter)}\r\n`;
}

/**
 * A CSV row whose `attributes` cells are not known yet (one JSON array a line, in a part): the cells
 * before and after them, written, and the attributes to spread.
 */
type OpenRow = [before: string, after: string, attributes?: Record<string, string>];

/**
 * One customer's row in the export's format, line end included. A CSV with an `attributes` column gets an
 * open row, which completeRows turns into CSV once every attribute name is known.
 */
export function formatRow(c: Customer, o: FormatOptions): string {
  if (o.format === 'jsonl') return `${JSON.stringify(jsonRow(c, o.columns))}\n`;
  const layout = csvLayout(o.columns);
  const d = o.delimiter;
  if (!layout.spreads) return `${csvCells(c, layout.before, d)}\r\n`;
  const row: OpenRow = [csvCells(c, layout.before, d), csvCells(c, layout.after, d)];
  for (const name in c.attributes) {
    if (!layout.named.has(name)) (row[2] ??= {})[name] = c.attributes[name]!;
  }
  return `${JSON.stringify(row)}\n`;
}

/** Rows of customers in the export's format, without the head. */
export function formatRows(customers: Customer[], o: FormatOptions): string {
  let out = '';
  for (const c of customers) out += formatRow(c, o);
  return out;
}

/**
 * Turns open rows (whole lines, as formatRows wrote them) into CSV rows with a cell per attribute name, and
 * past MAX_ATTRIBUTE_COLUMNS names the JSON cell of the row's other attributes (in name order).
 * `attributeNames` as for fileHead.
 */
export function completeRows(lines: string[], attributeNames: readonly string[], o: FormatOptions): string {
  const layout = csvLayout(o.columns);
  const { spread, set, more } = attributeColumns(attributeNames);
  const d = o.delimiter;
  let out = '';
  for (const line of lines) {
    if (!line) continue;
    const [before, after, attributes] = JSON.parse(line) as OpenRow;
    const cells: string[] = [];
    if (layout.before.length) cells.push(before);
    for (const name of spread) cells.push(csvCell(attributes?.[name], d));
    if (more) {
      const rest = attributes ? Object.keys(attributes).filter((name) => !set.has(name)).sort(attributeNameOrder) : [];
      cells.push(rest.length ? csvCell(JSON.stringify(Object.fromEntries(rest.map((name) => [name, attributes![name]]))), d) : '');
    }
    if (layout.after.length) cells.push(after);
    out += `${cells.join(d)}\r\n`;
  }
  return out;
}

export const FILE_TYPES = {
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  jsonl: { extension: 'jsonl', contentType: 'application/x-ndjson; charset=utf-8' },
} as const;
