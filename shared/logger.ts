import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per process. Log ids and counts, never names, emails or phone numbers. */
export const logger = new Logger({ serviceName: 'clientela', logLevel: (process.env.LOG_LEVEL as 'INFO') ?? 'INFO' });
