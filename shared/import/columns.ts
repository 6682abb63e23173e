import { parse } from 'csv-parse/sync';
import { fold } from '../domain/customer-rules.ts';
import { COLUMN_NAMES, INSIGHT_COLUMNS, MORE_ATTRIBUTES_HEADERS, fileHead, type ColumnName } from '../exports/export-format.ts';
import { IMPORT_FIELDS, type ImportField } from './fields.ts';
import { isStorableAttributeName } from '../domain/attribute-names.ts';
import { withoutBidiControls } from '../domain/bidi.ts';

export { IMPORT_FIELDS, type ImportField } from './fields.ts';

/**
 * Header names, folded (lower case, no accents, punctuation as spaces), in Italian, English, French,
 * German and Spanish, and as exported by Mailchimp, HubSpot, Google Contacts and Outlook.
 */
const ALIASES: Record<ImportField, string[]> = {
  firstName: [
    'nome', 'first name', 'firstname', 'first', 'given name', 'givenname', 'forename', 'name first', 'fname', 'prenom', 'vorname', 'nombre', 'nome proprio',
    'contact first name', 'nome di battesimo',
  ],
  lastName: [
    'cognome', 'last name', 'lastname', 'last', 'surname', 'family name', 'familyname', 'name last', 'lname', 'nom', 'nom de famille', 'nachname', 'familienname',
    'apellido', 'apellidos', 'contact last name',
  ],
  fullName: [
    'name', 'full name', 'fullname', 'nome e cognome', 'nome cognome', 'nominativo', 'cliente', 'nom complet', 'nom et prenom', 'prenom nom', 'vollstandiger name',
    'nombre completo', 'nombre y apellidos', 'display name', 'contact name', 'customer name', 'ragione sociale',
    // Surname first (SURNAME_FIRST below says which): Italian registers' `Cognome e nome`, `Nominativo`.
    'cognome e nome', 'cognome nome', 'nominativo cliente', 'nom prenom', 'nachname vorname', 'apellidos y nombre', 'apellidos nombre', 'last name first name',
    'surname first name', 'surname name', 'guest name', 'nome ospite', 'nome cliente', 'nome completo', 'nome e cognome cliente',
  ],
  email: [
    'email', 'e mail', 'email address', 'e mail address', 'mail', 'indirizzo email', 'indirizzo e mail', 'posta elettronica', 'courriel', 'adresse e mail',
    'adresse email', 'e mail adresse', 'email adresse', 'correo', 'correo electronico', 'e mail 1 value', 'email 1 value', 'e mail 2 value', 'e mail 3 value',
    'e mail 2 address', 'e mail 3 address', 'primary email', 'email primaria',
    // WooCommerce's `billing_email`
    'billing email',
  ],
  phone: [
    'telefono', 'tel', 'phone', 'phone number', 'telephone', 'telephone number', 'numero di telefono', 'numero telefono', 'n telefono', 'recapito', 'recapito telefonico',
    'telefon', 'telefonnummer', 'numero de telephone', 'numero de telefono', 'phone 1 value', 'phone 2 value', 'phone 3 value', 'primary phone', 'home phone',
    'business phone', 'other phone', 'home phone 2', 'business phone 2', 'work phone', 'telefono fisso', 'fisso', 'tel fisso',
    // Shopify's `Default Address Phone` (the customer's `Phone` may be empty), WooCommerce's `billing_phone`
    'default address phone', 'billing phone', 'address phone',
  ],
  mobile: [
    'cellulare', 'cell', 'mobile', 'mobile phone', 'mobile phone number', 'mobile number', 'cellphone', 'cell phone', 'numero di cellulare', 'portable', 'telephone portable',
    'handy', 'handynummer', 'mobil', 'mobiltelefon', 'movil', 'telefono movil', 'celular', 'whatsapp', 'telefono cellulare',
    'tel cellulare', 'tel cell', 'telefono mobile', 'numero whatsapp', 'cell phone number',
  ],
  language: ['lingua', 'language', 'preferred language', 'idioma', 'langue', 'sprache', 'lang', 'locale', 'lingua preferita', 'language preference'],
  consent: [
    'newsletter', 'consenso', 'consenso newsletter', 'consenso marketing', 'consenso privacy marketing', 'marketing', 'marketing consent', 'email marketing',
    'consent', 'opt in', 'opted in', 'optin', 'subscribed', 'subscriber', 'iscritto', 'iscritto newsletter', 'iscrizione newsletter', 'accepts marketing', 'email opt in',
    'consentement', 'consentement marketing', 'abonne', 'einwilligung', 'newsletter einwilligung', 'abonniert', 'consentimiento', 'suscrito', 'boletin',
    'marketing contact status', 'email subscription', 'accepts email marketing',
    // Square's `Email Subscription Status` (`Subscribed`/`Unsubscribed`); Italian forms' privacy wording
    'email subscription status', 'privacy marketing', 'consenso commerciale', 'consenso promozionale', 'consenso comunicazioni commerciali',
    'autorizzazione marketing', 'consenso email', 'consenso newsletter e marketing', 'newsletter marketing',
  ],
  birthDate: [
    'data di nascita', 'data nascita', 'nascita', 'compleanno', 'birth date', 'birthdate', 'date of birth', 'dob', 'birthday', 'date de naissance', 'anniversaire',
    'geburtsdatum', 'geburtstag', 'fecha de nacimiento', 'cumpleanos',
  ],
  gender: ['sesso', 'genere', 'gender', 'sex', 'sexe', 'genre', 'geschlecht', 'sexo', 'genero'],
  city: [
    'citta', 'comune', 'localita', 'city', 'town', 'ville', 'stadt', 'ort', 'ciudad', 'localidad', 'home city', 'business city', 'address 1 city', 'address city',
    // Shopify's `Default Address City`, WooCommerce's `billing_city`
    'default address city', 'billing city',
  ],
  postalCode: [
    'cap', 'codice postale', 'postal code', 'postcode', 'post code', 'zip', 'zip code', 'zipcode', 'code postal', 'plz', 'postleitzahl', 'codigo postal', 'cp',
    'home postal code', 'business postal code', 'address 1 postal code', 'address zip',
    'default address zip', 'billing postcode', 'billing postal code', 'billing zip',
  ],
  country: [
    'paese', 'nazione', 'stato', 'country', 'country region', 'pays', 'land', 'pais', 'home country region', 'business country region', 'address 1 country',
    'nazionalita', 'cc', 'country code',
    'default address country code', 'default address country', 'billing country',
  ],
  tags: ['tag', 'tags', 'etichette', 'etichetta', 'categoria', 'categorie', 'categories', 'labels', 'label', 'group membership', 'etiquettes', 'schlagworte', 'etiquetas', 'segmenti',
    // Square's customer groups
    'groups'],
  notes: ['note', 'notes', 'nota', 'annotazioni', 'commenti', 'commento', 'remarks', 'comments', 'bemerkungen', 'notizen', 'notas', 'observaciones', 'remarques',
    // Square's `Memo`
    'memo'],
  firstContactAt: [
    'primo contatto', 'data primo contatto', 'cliente dal', 'data iscrizione', 'data registrazione', 'first contact', 'first contact date', 'customer since', 'created',
    'create date', 'created at', 'date added', 'signup date', 'optin time', 'premier contact', 'client depuis', 'date d inscription', 'erstkontakt', 'kunde seit',
    'primer contacto', 'cliente desde', 'fecha de alta',
    // WooCommerce's `date_registered`, Square's `First Visit`
    'date registered', 'first visit',
  ],
  // A last visit, order or purchase is a contact: dropping these columns made every imported card look
  // inactive since its first contact, and retention erased active customers.
  lastContactAt: [
    'ultimo contatto', 'last contact', 'last contact date', 'dernier contact', 'letzter kontakt', 'ultimo contacto', 'last contacted', 'last visit', 'last visit date',
    'last visited', 'last seen', 'ultima visita', 'data ultima visita', 'derniere visite', 'date de derniere visite', 'letzter besuch',
    'ultima compra', 'last order', 'last order date', 'last purchase', 'last purchase date', 'ultimo acquisto', 'data ultimo acquisto', 'ultimo ordine',
    'data ultimo ordine', 'derniere commande', 'dernier achat', 'letzte bestellung', 'letzter kauf', 'last booking', 'last appointment', 'ultima prenotazione',
    'ultimo appuntamento', 'last activity date', 'last activity', 'ultima attivita',
  ],
  totalSpentMinor: [],
  totalSpent: [
    'totale speso', 'speso', 'spesa totale', 'totale acquisti', 'fatturato', 'total spent', 'total spend', 'lifetime value', 'ltv', 'revenue', 'total revenue',
    'montant total', 'total depense', 'gesamtumsatz', 'umsatz', 'total gastado', 'gasto total',
  ],
};

const BY_ALIAS = new Map<string, ImportField>();
for (const [field, names] of Object.entries(ALIASES) as [ImportField, string[]][]) for (const n of names) BY_ALIAS.set(n, field);

/**
 * clientela's own export headers, in every language it writes them, so an export re-imports as it was
 * (a round trip): the card's fields map to themselves; the last visit is a last contact (the later of the
 * two is kept); what an import cannot set (the id, stats that come from events, timestamps) is ignored
 * rather than kept as custom attributes.
 */
const FROM_EXPORT: Record<ColumnName, ImportField | 'ignore'> = {
  id: 'ignore', firstName: 'firstName', lastName: 'lastName', email: 'email', phone: 'phone', language: 'language', consent: 'consent',
  consentUpdatedAt: 'ignore', consentSource: 'ignore', tags: 'tags', birthDate: 'birthDate', gender: 'gender', city: 'city', postalCode: 'postalCode', country: 'country',
  notes: 'notes', firstContactAt: 'firstContactAt', lastContactAt: 'lastContactAt', bookings: 'ignore', visits: 'ignore', noShows: 'ignore',
  cancellations: 'ignore', orders: 'ignore', totalSpent: 'totalSpentMinor', averageOrderValue: 'ignore', lastVisitAt: 'lastContactAt', createdAt: 'ignore',
  updatedAt: 'ignore',
};
const EXPORT_IGNORED = new Set<string>();
/**
 * clientela's exports' "Consent source" (`Consenso raccolto tramite`, …): how the consent column's answer was
 * given (`api`, an event type). An import cannot vouch for it; its ledger entry states it as what the file said.
 */
const CONSENT_SOURCES = new Set<string>();

/**
 * Columns that date a consent answer, by what they say: clientela's exports' "Consent updated at" (`updatedAt`,
 * the date of the row's consent column), and Mailchimp's audience exports, which have no status column but one
 * file per status: `CONFIRM_TIME`/`OPTIN_TIME` (subscribed: when the person confirmed, or signed up),
 * `UNSUB_TIME` (unsubscribed) and `CLEAN_TIME` (cleaned: a bouncing address, which says nothing about consent).
 * `OPTIN_TIME` is also the first contact.
 */
export type ConsentDate = 'updatedAt' | 'confirmedAt' | 'optinAt' | 'unsubscribedAt' | 'cleanedAt';
const CONSENT_DATES = new Map<string, ConsentDate>([
  ['confirm time', 'confirmedAt'],
  ['optin time', 'optinAt'],
  ['unsub time', 'unsubscribedAt'],
  ['clean time', 'cleanedAt'],
]);
/**
 * clientela's exports' "More custom fields (JSON)" (`Altri campi personalizzati (JSON)`, …): a customer's custom
 * attributes past the 100 an export spreads in columns, as one JSON object; read back as those attributes.
 */
const MORE_ATTRIBUTES = new Set<string>();
for (const language of ['en', 'it', 'fr', 'de', 'es'] as const) {
  MORE_ATTRIBUTES.add(headerKey(MORE_ATTRIBUTES_HEADERS[language]));
  // The insight columns an export may hold: figures a recompute works out, not something an import sets.
  const insights = fileHead({ format: 'csv', columns: INSIGHT_COLUMNS, delimiter: ',', language }).replace(/^\ufeff/, '');
  for (const label of (parse(insights) as string[][])[0]!) EXPORT_IGNORED.add(headerKey(label));
  const head = fileHead({ format: 'csv', columns: COLUMN_NAMES, delimiter: ',', language }).replace(/^\ufeff/, '');
  const labels = (parse(head) as string[][])[0]!;
  labels.forEach((label, i) => {
    const key = headerKey(label);
    const target = FROM_EXPORT[COLUMN_NAMES[i]!];
    if (COLUMN_NAMES[i] === 'consentUpdatedAt') CONSENT_DATES.set(key, 'updatedAt');
    else if (COLUMN_NAMES[i] === 'consentSource') CONSENT_SOURCES.add(key);
    else if (target === 'ignore') EXPORT_IGNORED.add(key);
    // An exporter label that names another field elsewhere (`Created at`) keeps its alias; the export's
    // own column for that field comes first in the file, and the first usable value wins.
    else if (!BY_ALIAS.has(key) || target === 'totalSpentMinor') BY_ALIAS.set(key, target);
  });
}

/** Header text as compared with the aliases: `E-mail Address` → `e mail address`, `Città` → `citta`. */
export function headerKey(header: string): string {
  return fold(header)
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Words that qualify a field's name without changing what it is: `Numero cellulare`, `N. Cellulare`, `Email
 * cliente`, `Indirizzo mail`, `Customer phone`, `Telefono 1`, `Adresse e-mail du client`, `Kunden E-Mail`,
 * `billing_city`. A header is recognised through them only when what is left is exactly a name the aliases
 * know: `Email opt-in date` or `Numero tessera` stay custom attributes.
 */
const QUALIFIERS = new Set([
  'numero', 'num', 'nr', 'n', 'indirizzo', 'cliente', 'clienti', 'customer', 'customers', 'client', 'ospite', 'guest', 'contatto', 'contact', 'utente', 'user',
  'persona', 'kunde', 'kunden', 'del', 'della', 'dello', 'di', 'de', 'du', 'des', 'der', 'the', 'of', 'principale', 'primary', 'main', 'personale', 'personal',
  'privato', 'private', 'billing', '1', '2', '3',
]);
/** Alias names too short or too general to be read through a qualifier (`Stato cliente` is a status, not a country). */
const NOT_QUALIFIED = new Set(['stato', 'land', 'cc', 'cp', 'ort', 'nom', 'first', 'last', 'name', 'created', 'lang', 'label', 'tag', 'cell', 'tel']);
/** `Consenso Marketing (Sì/No)`, `Sesso [M/F]`: a hint in brackets says how to fill the column, not what it is. */
const BRACKETED = /\([^)]*\)|\[[^\]]*\]/g;
/** The same hint without brackets at the end of a header: `Sesso M/F`, `Newsletter S/N`, `Privacy si-no`. */
const ANSWER_HINT = / (?:si|s|no|n|yes|y|ja|oui|m|f|x)(?: (?:si|s|no|n|yes|y|ja|oui|m|f|x))+$/;

export function recogniseHeader(header: string): ImportField | undefined {
  const key = headerKey(header);
  const exact = BY_ALIAS.get(key) ?? BY_ALIAS.get(key.replace(/ /g, ''));
  if (exact) return exact;
  const unhinted = headerKey(header.replace(BRACKETED, ' ')).replace(ANSWER_HINT, '');
  if (unhinted && unhinted !== key) {
    const field = BY_ALIAS.get(unhinted);
    if (field) return field;
  }
  const words = unhinted.split(' ').filter((w) => w && !QUALIFIERS.has(w));
  const core = words.join(' ');
  if (!core || core === unhinted || NOT_QUALIFIED.has(core)) return undefined;
  return BY_ALIAS.get(core);
}

/**
 * How a full-name column writes a name. `surname-first`: the header says so (`Cognome e nome`, `Cognome Nome`,
 * `Nom Prénom`, `Nachname Vorname`) or it is Italian registers' `Nominativo`, written surname first by custom
 * (`Rossi Anna`). Any other full-name header (`Nome e cognome`, `Full name`, `Name`, `Cliente`) is given name first.
 */
export type NameOrder = 'surname-first' | 'given-first';
const SURNAME_FIRST = new Set([
  'cognome e nome', 'cognome nome', 'nominativo', 'nominativo cliente', 'nom prenom', 'nom et prenom', 'nachname vorname', 'nachname und vorname', 'apellidos y nombre',
  'apellidos nombre', 'last name first name', 'surname first name', 'surname name',
]);
export function nameOrder(header: string): NameOrder {
  const key = headerKey(header.replace(BRACKETED, ' '));
  const core = key.split(' ').filter((w) => w && !QUALIFIERS.has(w)).join(' ');
  return SURNAME_FIRST.has(key) || SURNAME_FIRST.has(core) ? 'surname-first' : 'given-first';
}

/** Full-name headers that name only the given name when the file has a surname column beside them (`Nome cliente` + `Cognome cliente`). */
const GIVEN_WHEN_SURNAME = new Set(['nome cliente', 'nome ospite', 'guest name', 'nome contatto']);

/** The words a surname starts with (`De Luca`, `Dalla Costa`, `van der Berg`): they stay with the word after them. */
const SURNAME_PARTICLES = new Set([
  'de', 'di', 'da', 'del', 'della', 'delle', 'dei', 'degli', 'dal', 'dalla', 'dalle', 'dai', 'dello', 'lo', 'la', 'le', 'li', 'd', 'dell', 'van', 'von', 'der', 'den',
  'du', 'des', 'mac', 'mc', 'san', 'ten', 'ter', 'zu',
]);
const isParticle = (w: string) => SURNAME_PARTICLES.has(fold(w).replace(/['’.]$/, ''));

/**
 * A full name split in first and last name by its column's order (nameOrder). A surname keeps its particles
 * (`De Luca Maria Grazia` surname first → last `De Luca`, first `Maria Grazia`; `Maria Grazia De Luca` given
 * first → the same). Where the words cannot be split with certainty (three or more words and no particle:
 * `Rossi Bianchi Anna`, `Maria Grazia Rossi`) the usual split is kept (surname first: the first word is the
 * surname; given first: the first word is the given name) and `uncertain` says so, for a warning.
 */
export function splitFullName(name: string, order: NameOrder): { firstName: string; lastName?: string; uncertain?: true } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return { firstName: words[0] ?? name };
  if (order === 'surname-first') {
    let end = 1;
    while (end < words.length - 1 && isParticle(words[end - 1]!)) end++;
    const lastName = words.slice(0, end).join(' ');
    const firstName = words.slice(end).join(' ');
    return words.length - end > 1 && end === 1 ? { firstName, lastName, uncertain: true } : { firstName, lastName };
  }
  const particle = words.findIndex((w, i) => i > 0 && i < words.length - 1 && isParticle(w));
  if (particle > 0) return { firstName: words.slice(0, particle).join(' '), lastName: words.slice(particle).join(' ') };
  const [first, ...rest] = words;
  return words.length > 2 ? { firstName: first!, lastName: rest.join(' '), uncertain: true } : { firstName: first!, lastName: rest.join(' ') };
}

/**
 * The reason for a row without email or phone when no column of the file feeds either: the rows are not at
 * fault, the header is. Names the columns found and the way out (rename one, or map it). Undefined when some
 * column does feed an email or phone (the row's own reason then says what is wrong with its values).
 */
const noContactReasons = new WeakMap<ColumnTarget[], string | null>();
export function noContactColumnReason(header: string[], targets: ColumnTarget[]): string | undefined {
  let reason = noContactReasons.get(targets);
  if (reason === undefined) {
    const feeds = targets.some((t) => 'field' in t && (t.field === 'email' || t.field === 'phone' || t.field === 'mobile'));
    const found = header.map((h, i) => JSON.stringify(h.trim() || `column ${i + 1}`)).join(', ');
    reason = feeds ? null
      : `needs a valid email or phone: no column was read as email or phone (columns found: ${found.length > 400 ? `${found.slice(0, 400)}…` : found}); ` +
        'name one "Email", "Telefono" or "Cellulare", or map it ("mapping": {"<column>": "email"} or "phone")';
    noContactReasons.set(targets, reason);
  }
  return reason ?? undefined;
}

/** One column of the file and what it feeds: a field, a custom attribute (`unnamed`: a column with an empty
 * header, kept as `column N`), or nothing. */
export type ColumnTarget =
  | { field: ImportField; consentDate?: ConsentDate }
  | { consentDate: ConsentDate }
  | { consentSource: true }
  | { attribute: string; unnamed?: true }
  | { attributesJson: true }
  | { ignore: true };

/** An explicit mapping from POST /v1/imports: header → field name, attribute (`attributes.x`) or `ignore`. */
export type ColumnMapping = Record<string, string>;

/**
 * Maps each header to its target. An explicit mapping wins; then the aliases; anything else is kept as a
 * custom attribute under its own header name. Several columns may feed one field (home and mobile phone):
 * the row reader takes the first usable value.
 */
export function mapColumns(header: string[], mapping: ColumnMapping = {}): ColumnTarget[] {
  const explicit = new Map(Object.entries(mapping).map(([k, v]) => [headerKey(k), v]));
  const used = new Set<string>();
  return header.map((raw, i) => {
    // A header becomes a card's attribute name, which the API refuses with a bidi control in it (customer-
    // fields.schema.ts): the file's are taken out instead (shared/domain/bidi.ts), never costing the column.
    const name = withoutBidiControls(raw.trim());
    const wanted = explicit.get(headerKey(name));
    if (wanted !== undefined) {
      if (wanted === 'ignore') return { ignore: true };
      if (wanted.startsWith('attributes.')) {
        const attribute = withoutBidiControls(wanted.slice('attributes.'.length)).slice(0, 64);
        if (!attribute) return { attribute: `column ${i + 1}`, unnamed: true };
        return isStorableAttributeName(attribute) ? { attribute } : { ignore: true };
      }
      if ((IMPORT_FIELDS as readonly string[]).includes(wanted)) return { field: wanted as ImportField };
    }
    // A value under an empty header (`...;Etichette;;` with something in the last column) is still the
    // owner's data: kept as `column N` (its 1-based position), each value with a warning.
    if (!name) return { attribute: `column ${i + 1}`, unnamed: true };
    if (CONSENT_SOURCES.has(headerKey(name))) return { consentSource: true };
    if (MORE_ATTRIBUTES.has(headerKey(name))) return { attributesJson: true };
    let field = recogniseHeader(name);
    // `Nome cliente` beside `Cognome cliente` is the given name; alone, the customer's full name. Beside a first
    // name column too (OpenTable's `Guest Name`, `First Name`, `Last Name`) it stays the full name, read only
    // when both are empty.
    if (field === 'fullName' && GIVEN_WHEN_SURNAME.has(headerKey(name))) {
      const others = header.map((h) => recogniseHeader(h));
      if (others.includes('lastName') && !others.includes('firstName')) field = 'firstName';
    }
    const consentDate = CONSENT_DATES.get(headerKey(name));
    if (consentDate) return field ? { field, consentDate } : { consentDate };
    if (field) return { field };
    if (EXPORT_IGNORED.has(headerKey(name))) return { ignore: true };
    if (!isStorableAttributeName(name)) return { ignore: true };
    let attribute = name.slice(0, 64);
    for (let i = 2; used.has(attribute); i++) attribute = `${name.slice(0, 60)} (${i})`;
    used.add(attribute);
    return { attribute };
  });
}

/**
 * For the dry run and the job record: which header went where. A card holds one email and one phone: when
 * several columns feed one of them, each says so (which value is kept, and that the others become the
 * column's custom attribute, with a warning on the row).
 */
export function describeMapping(header: string[], targets: ColumnTarget[]): Record<string, string> {
  const out: Record<string, string> = {};
  const feeding = (kind: 'email' | 'phone') => targets.filter((t) => 'field' in t && (kind === 'email' ? t.field === 'email' : t.field === 'phone' || t.field === 'mobile')).length;
  const several = { email: feeding('email') > 1, phone: feeding('phone') > 1 };
  header.forEach((h, i) => {
    const t = targets[i]!;
    let d =
      'field' in t ? t.field
      : 'attribute' in t ? `attributes.${t.attribute}`
      : 'attributesJson' in t ? MORE_ATTRIBUTES_WORDS
      : 'consentDate' in t ? 'consent date'
      : 'consentSource' in t ? CONSENT_SOURCE_WORDS
      : 'ignore';
    if ('consentDate' in t && t.consentDate) d += ` (${CONSENT_DATE_WORDS[t.consentDate]})`;
    if ('field' in t && t.field === 'email' && several.email) {
      d += ` (only one email is kept, the first valid one; this column's other values become attributes.${attributeName(h, i)}, with a warning)`;
    } else if ('field' in t && (t.field === 'phone' || t.field === 'mobile') && several.phone) {
      d += ` (only one phone is kept, the first valid number, a mobile column's first; this column's other values become attributes.${attributeName(h, i)}, with a warning)`;
    }
    out[h || `(column ${i + 1})`] = d;
  });
  return out;
}

const MORE_ATTRIBUTES_WORDS = 'custom attributes, as clientela exports write them past 100 names (a JSON object: each name an attribute)';

const CONSENT_SOURCE_WORDS = "consent source (how the consent column's answer was given, as the file states it: recorded in the consent ledger entry, not as the card's source)";

const CONSENT_DATE_WORDS: Record<ConsentDate, string> = {
  updatedAt: "when the consent column's answer was given",
  confirmedAt: 'Mailchimp: set, with no unsubscribe, means newsletter consent granted then',
  optinAt: 'Mailchimp: set, with no unsubscribe or confirmation time, means newsletter consent granted then',
  unsubscribedAt: 'Mailchimp: set means newsletter consent denied then',
  cleanedAt: 'Mailchimp: a cleaned address; consent left as it is',
};

/** The custom attribute a column's value is kept under when its field does not take it (shared/import/row.ts). */
export function attributeName(header: string, i: number): string {
  const name = withoutBidiControls(header.trim()).slice(0, 64);
  return name && isStorableAttributeName(name) ? name : `column ${i + 1}`;
}

/**
 * How a warning names a field: by the file's column that fed it (`Città`, as the owner sees it in the file),
 * or by the API's name when no column did. `attributes.x` names the custom attribute's column.
 */
export function columnLabels(header: string[], targets: ColumnTarget[]): (field: string) => string {
  const byField = new Map<string, string>();
  const feeds: Partial<Record<ImportField, string[]>> = { mobile: ['phone'], totalSpentMinor: ['totalSpent'], fullName: ['firstName', 'lastName'] };
  targets.forEach((t, i) => {
    const name = header[i] || `column ${i + 1}`;
    const fields = 'field' in t ? (feeds[t.field] ?? [t.field]) : 'attribute' in t ? [`attributes.${t.attribute}`] : [];
    for (const field of fields) if (!byField.has(field)) byField.set(field, name);
  });
  return (field) => byField.get(field) ?? field;
}
