import { SESv2Client } from '@aws-sdk/client-sesv2';
import { config } from '../config.ts';
import { SDK_RETRY } from '../sdk-retry.ts';

/** SES v2, for the mails clientela sends itself (on AWS; locally they go to `DATA_DIR/outbox/` instead). Created once per process. */
let ses: SESv2Client | undefined;

export function sesClient(): SESv2Client {
  ses ??= new SESv2Client({ region: config().AWS_REGION, ...SDK_RETRY });
  return ses;
}
