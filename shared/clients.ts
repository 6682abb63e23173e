/**
 * Every AWS client, for tests and scripts. Each client has its own module under shared/clients/ (created
 * once per process there); a Lambda handler imports only the ones it uses, so its bundle carries no other
 * SDK client (eslint refuses this module in functions/).
 */
export { dynamo } from './clients/dynamo.ts';
export { s3Client } from './clients/s3.ts';
export { sesClient } from './clients/ses.ts';
