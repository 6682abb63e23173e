import { config } from '../../config.ts';
import { s3Client } from '../../clients/s3.ts';
import { s3ExportFiles, type ExportFiles } from '../../store/export.store.ts';

let files: ExportFiles | undefined;

/** Export files in the export bucket (parts, the combined file, signed links), for this process (built once). */
export function exportFiles(): ExportFiles {
  files ??= s3ExportFiles(s3Client(), config().EXPORT_BUCKET);
  return files;
}
