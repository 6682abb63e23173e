import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoPhoneConflictReader } from '../../store/phone-conflicts.store.ts';
import type { PhoneConflictReader } from '../../events/duplicates.ts';

let reader: PhoneConflictReader | undefined;

/** The reads of a shared phone's cards that capture makes, for this process (built once). */
export function phoneConflictReader(): PhoneConflictReader {
  reader ??= dynamoPhoneConflictReader(dynamo(), config().TABLE_NAME);
  return reader;
}
