import { config } from '../../config.ts';
import { s3Client } from '../../clients/s3.ts';
import { s3PersonalDataFiles } from '../../store/personal-data.store.ts';
import type { PersonalDataFiles } from '../../privacy/personal-data.ports.ts';

let files: PersonalDataFiles | undefined;

/** Spilled access exports in the export bucket: written by the access export, deleted by every erasure (built once). */
export function personalDataFiles(): PersonalDataFiles {
  files ??= s3PersonalDataFiles(s3Client(), config().EXPORT_BUCKET);
  return files;
}
