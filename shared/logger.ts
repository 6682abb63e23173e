import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger per process. Code logs ids and counts, never personal data; as a safety net, every
 * line passes through `redact`, which blanks fields that hold personal data and masks anything shaped like
 * an email address or a phone number inside other strings (error messages included).
 */
const PERSONAL_FIELDS = new Set(['firstName', 'lastName', 'name', 'fullName', 'email', 'phone', 'mobile', 'birthDate', 'notes', 'text', 'address', 'city', 'postalCode', 'row', 'record', 'body']);
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// International numbers (+ and 7+ digits with separators), or national ones written as 9-11 digits in groups.
const PHONE = /\+\d[\d\s().-]{5,}\d|\b\d{3}[\s.-]?\d{3}[\s.-]?\d{3,5}\b/g;
/** Attributes the logger itself writes: never personal, and a timestamp must not look like a phone. */
const STRUCTURAL = new Set(['timestamp', 'level', 'service', 'sampling_rate', 'xray_trace_id', 'function_request_id']);

export function redactText(s: string): string {
  return s.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

export function redact(key: string, value: unknown): unknown {
  if (STRUCTURAL.has(key)) return value;
  if (PERSONAL_FIELDS.has(key) && value !== null && value !== undefined && value !== '') return '[redacted]';
  if (typeof value === 'string') return redactText(value);
  return value;
}

export const logger = new Logger({
  serviceName: 'clientela',
  logLevel: (process.env.LOG_LEVEL as 'INFO') ?? 'INFO',
  jsonReplacerFn: redact,
});
