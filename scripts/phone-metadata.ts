/**
 * `npx tsx scripts/phone-metadata.ts`: writes shared/domain/phone-metadata.json, the phone metadata the
 * functions read numbers with (shared/domain/phone-numbers.ts), from the installed libphonenumber-js, and
 * shared/domain/phone-calling-codes.json, its country calling codes alone (for erasure, which only splits
 * stored E.164 numbers and so needs none of the rest), and shared/domain/phone-dialling.json, each region's
 * calling code and trunk prefix (for the phone search).
 *
 * It is the library's own `min` metadata (the one `import 'libphonenumber-js'` uses) less the number
 * formats: every region, calling code, national prefix rule, possible length and number pattern (by type)
 * stays, so numbers parse and validate exactly as before; only the rules for *displaying* a number
 * (`formatNational()`, as-you-type), which clientela never calls, go. That is ~50 of its ~80 KiB, in every
 * function that reads a phone number. test/unit/phone-numbers.test.ts fails when the file no longer equals
 * what this derives from the installed library (run this after upgrading it) and checks that parsing with
 * it answers what parsing with the library's metadata answers, for every region.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Metadata, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';
import minMetadata from 'libphonenumber-js/metadata.min.json';
import { REPO_ROOT } from '../infra/paths.ts';

export const PHONE_METADATA_FILE = join(REPO_ROOT, 'shared', 'domain', 'phone-metadata.json');
export const CALLING_CODES_FILE = join(REPO_ROOT, 'shared', 'domain', 'phone-calling-codes.json');
export const DIALLING_FILE = join(REPO_ROOT, 'shared', 'domain', 'phone-dialling.json');

/** Where a numbering plan (the array of a region or a non-geographic calling code) keeps its formats, in metadata version 4. */
const FORMATS = 4;

/** The library's `min` metadata without formats (same shape, so the library reads it as its own). */
export function parsingMetadata(min: MetadataJson = minMetadata as unknown as MetadataJson): MetadataJson {
  const version = (min as { version?: unknown }).version;
  if (version !== 4) throw new Error(`phone-metadata: libphonenumber-js metadata version ${String(version)}; this script knows version 4 (formats at index ${FORMATS})`);
  const copy = JSON.parse(JSON.stringify(min)) as MetadataJson & { nonGeographic?: Record<string, unknown[]> };
  for (const plans of [copy.countries as unknown as Record<string, unknown[]>, copy.nonGeographic ?? {}]) {
    for (const plan of Object.values(plans)) plan[FORMATS] = 0; // 0 is how the compressed metadata says "none"
  }
  return copy;
}

/** The file's text: one line per region and per non-geographic calling code, so an upgrade's diff reads region by region. */
export function phoneMetadataJson(): string {
  const { countries, nonGeographic, ...rest } = parsingMetadata() as MetadataJson & { nonGeographic?: Record<string, unknown> };
  const block = (plans: Record<string, unknown>) => `{\n${Object.entries(plans).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n')}\n }`;
  const head = JSON.stringify(rest).slice(1, -1);
  return `{${head},\n "countries": ${block(countries as Record<string, unknown>)},\n "nonGeographic": ${block(nonGeographic ?? {})}\n}\n`;
}

/** Every country calling code, geographic or not (`1`, `39`, `800`, ...), in numeric order. */
export function callingCodesJson(): string {
  const { country_calling_codes: codes, nonGeographic } = parsingMetadata() as MetadataJson & { nonGeographic?: Record<string, unknown> };
  const all = [...new Set([...Object.keys(codes), ...Object.keys(nonGeographic ?? {})])].sort((a, b) => Number(a) - Number(b));
  return `${JSON.stringify(all)}\n`;
}

/**
 * Each region's calling code and trunk prefix (`{ GB: ["44", "0"], IT: ["39"] }`), as the library reads them: the
 * phone search (shared/domain/phone-query.ts) needs only these, not the metadata and its reader.
 */
export function diallingJson(): string {
  const m = new Metadata(parsingMetadata());
  const table = Object.fromEntries(
    Object.keys(parsingMetadata().countries).map((country) => {
      m.selectNumberingPlan(country as CountryCode);
      // Methods the library has but its typings leave out.
      const plan = m.numberingPlan as unknown as { callingCode(): string; nationalPrefix(): string | undefined };
      const trunk = plan.nationalPrefix();
      return [country, trunk ? [plan.callingCode(), trunk] : [plan.callingCode()]];
    }),
  );
  return `${JSON.stringify(table)}\n`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(PHONE_METADATA_FILE, phoneMetadataJson());
  writeFileSync(CALLING_CODES_FILE, callingCodesJson());
  writeFileSync(DIALLING_FILE, diallingJson());
  console.log(`wrote ${PHONE_METADATA_FILE}, ${CALLING_CODES_FILE} and ${DIALLING_FILE}`);
}
