import { config } from '../../config.ts';
import { s3Client } from '../../clients/s3.ts';
import { errorReportFiles, type ErrorReportFiles } from '../../import/error-report.ts';
import { s3ObjectStore } from '../../import/object-store.ts';

let reports: ErrorReportFiles | undefined;

/** The import error-report files erasure rewrites (built once; only the erasing functions create an S3 client). */
export function errorReports(): ErrorReportFiles {
  reports ??= errorReportFiles(s3ObjectStore(s3Client()), config().IMPORT_BUCKET);
  return reports;
}
