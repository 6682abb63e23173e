import { stringify } from 'csv-stringify/sync';
import type { Customer } from '../domain/customer.schema.ts';

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

type Cell = string | number | null;
const STAT_COLUMNS = new Set<ColumnName>(['bookings', 'visits', 'noShows', 'cancellations', 'orders', 'totalSpent', 'averageOrderValue', 'lastVisitAt']);

function cell(c: Customer, column: ColumnName): Cell {
  switch (column) {
    case 'consent':
      return c.consent.newsletter;
    case 'consentUpdatedAt':
      return c.consent.updatedAt;
    case 'tags':
      // `|` never appears in a tag name the catalogue accepts in practice, and stays readable in a sheet.
      return c.tags.join('|');
    default:
      if (STAT_COLUMNS.has(column)) return c.stats[column as keyof Customer['stats']] ?? null;
      return (c[column as keyof Customer] as Cell | undefined) ?? null;
  }
}

/** The JSON Lines row: the card's shape restricted to the chosen columns. */
export function jsonRow(c: Customer, columns: readonly ColumnName[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const column of columns) {
    if (STAT_COLUMNS.has(column)) {
      const stats = (row.stats ??= {}) as Record<string, unknown>;
      stats[column] = c.stats[column as keyof Customer['stats']] ?? null;
    } else if (column === 'consent') {
      const consent = (row.consent ??= {}) as Record<string, unknown>;
      Object.assign(consent, { newsletter: c.consent.newsletter, source: c.consent.source });
    } else if (column === 'consentUpdatedAt') {
      const consent = (row.consent ??= {}) as Record<string, unknown>;
      consent.updatedAt = c.consent.updatedAt;
    } else {
      row[column] = (c as unknown as Record<string, unknown>)[column] ?? null;
    }
  }
  return row;
}

/**
 * A spreadsheet runs a cell starting with `=`, `+`, `-`, `@` (or a tab/CR that hides one) as a formula:
 * prefixing `'` makes it text (OWASP CSV injection). Numbers we write ourselves are left alone.
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Header labels; the tenant's language when we have it, English otherwise. */
const HEADERS: Record<'en' | 'it' | 'fr' | 'de' | 'es', Record<ColumnName, string>> = {
  en: {
    id: 'Customer ID', firstName: 'First name', lastName: 'Last name', email: 'Email', phone: 'Phone', language: 'Language',
    consent: 'Newsletter consent', consentUpdatedAt: 'Consent updated at', tags: 'Tags', birthDate: 'Birth date', gender: 'Gender',
    city: 'City', postalCode: 'Postal code', country: 'Country', notes: 'Notes', firstContactAt: 'First contact', lastContactAt: 'Last contact',
    bookings: 'Bookings', visits: 'Visits', noShows: 'No-shows', cancellations: 'Cancellations', orders: 'Orders',
    totalSpent: 'Total spent (minor units)', averageOrderValue: 'Average order value (minor units)', lastVisitAt: 'Last visit',
    createdAt: 'Created at', updatedAt: 'Updated at',
  },
  it: {
    id: 'ID cliente', firstName: 'Nome', lastName: 'Cognome', email: 'Email', phone: 'Telefono', language: 'Lingua',
    consent: 'Consenso newsletter', consentUpdatedAt: 'Consenso aggiornato il', tags: 'Etichette', birthDate: 'Data di nascita', gender: 'Genere',
    city: 'Città', postalCode: 'CAP', country: 'Paese', notes: 'Note', firstContactAt: 'Primo contatto', lastContactAt: 'Ultimo contatto',
    bookings: 'Prenotazioni', visits: 'Visite', noShows: 'Mancate presentazioni', cancellations: 'Cancellazioni', orders: 'Ordini',
    totalSpent: 'Spesa totale (centesimi)', averageOrderValue: 'Valore medio ordine (centesimi)', lastVisitAt: 'Ultima visita',
    createdAt: 'Creato il', updatedAt: 'Aggiornato il',
  },
  fr: {
    id: 'ID client', firstName: 'Prénom', lastName: 'Nom', email: 'E-mail', phone: 'Téléphone', language: 'Langue',
    consent: 'Consentement newsletter', consentUpdatedAt: 'Consentement mis à jour le', tags: 'Étiquettes', birthDate: 'Date de naissance', gender: 'Genre',
    city: 'Ville', postalCode: 'Code postal', country: 'Pays', notes: 'Notes', firstContactAt: 'Premier contact', lastContactAt: 'Dernier contact',
    bookings: 'Réservations', visits: 'Visites', noShows: 'Absences', cancellations: 'Annulations', orders: 'Commandes',
    totalSpent: 'Total dépensé (centimes)', averageOrderValue: 'Panier moyen (centimes)', lastVisitAt: 'Dernière visite',
    createdAt: 'Créé le', updatedAt: 'Mis à jour le',
  },
  de: {
    id: 'Kunden-ID', firstName: 'Vorname', lastName: 'Nachname', email: 'E-Mail', phone: 'Telefon', language: 'Sprache',
    consent: 'Newsletter-Einwilligung', consentUpdatedAt: 'Einwilligung geändert am', tags: 'Schlagwörter', birthDate: 'Geburtsdatum', gender: 'Geschlecht',
    city: 'Ort', postalCode: 'PLZ', country: 'Land', notes: 'Notizen', firstContactAt: 'Erster Kontakt', lastContactAt: 'Letzter Kontakt',
    bookings: 'Buchungen', visits: 'Besuche', noShows: 'Nichterscheinen', cancellations: 'Stornierungen', orders: 'Bestellungen',
    totalSpent: 'Gesamtumsatz (Cent)', averageOrderValue: 'Durchschnittlicher Bestellwert (Cent)', lastVisitAt: 'Letzter Besuch',
    createdAt: 'Erstellt am', updatedAt: 'Geändert am',
  },
  es: {
    id: 'ID de cliente', firstName: 'Nombre', lastName: 'Apellidos', email: 'Correo electrónico', phone: 'Teléfono', language: 'Idioma',
    consent: 'Consentimiento newsletter', consentUpdatedAt: 'Consentimiento actualizado el', tags: 'Etiquetas', birthDate: 'Fecha de nacimiento', gender: 'Género',
    city: 'Ciudad', postalCode: 'Código postal', country: 'País', notes: 'Notas', firstContactAt: 'Primer contacto', lastContactAt: 'Último contacto',
    bookings: 'Reservas', visits: 'Visitas', noShows: 'No presentados', cancellations: 'Cancelaciones', orders: 'Pedidos',
    totalSpent: 'Gasto total (céntimos)', averageOrderValue: 'Valor medio del pedido (céntimos)', lastVisitAt: 'Última visita',
    createdAt: 'Creado el', updatedAt: 'Actualizado el',
  },
};
export type HeaderLanguage = keyof typeof HEADERS;

/** `it-IT` → `it`; a language without a dictionary → `en`. */
export function headerLanguage(tenantLanguage: string | undefined): HeaderLanguage {
  const primary = (tenantLanguage ?? '').toLowerCase().split('-')[0]!;
  return primary in HEADERS ? (primary as HeaderLanguage) : 'en';
}

export interface FormatOptions {
  format: 'csv' | 'jsonl';
  columns: readonly ColumnName[];
  delimiter: ',' | ';';
  language: HeaderLanguage;
}

export const UTF8_BOM = '\uFEFF';

/**
 * The start of the file: for CSV the BOM (so Excel reads UTF-8 accents right) and one header row, no
 * `sep=` line; JSON Lines has none.
 */
export function fileHead(o: FormatOptions): string {
  if (o.format === 'jsonl') return '';
  return UTF8_BOM + stringify([o.columns.map((c) => HEADERS[o.language][c])], { delimiter: o.delimiter, record_delimiter: 'windows' });
}

/** Rows of customers in the export's format, without the head. */
export function formatRows(customers: Customer[], o: FormatOptions): string {
  if (!customers.length) return '';
  if (o.format === 'jsonl') return customers.map((c) => `${JSON.stringify(jsonRow(c, o.columns))}\n`).join('');
  const rows = customers.map((c) =>
    o.columns.map((column) => {
      const v = cell(c, column);
      return typeof v === 'string' ? neutraliseFormula(v) : v;
    }),
  );
  return stringify(rows, { delimiter: o.delimiter, record_delimiter: 'windows' });
}

export const FILE_TYPES = {
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  jsonl: { extension: 'jsonl', contentType: 'application/x-ndjson; charset=utf-8' },
} as const;
