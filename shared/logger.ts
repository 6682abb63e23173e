import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';

/**
 * One structured logger per process. Code logs ids and counts, never personal data; as a safety net, every
 * line passes through `redact`, which blanks fields that hold personal data and masks anything shaped like
 * an email address or a phone number inside other strings (error messages included).
 *
 * `name` is personal (a tenant's or a tag's name may be a person's) except as an error's name, which is
 * what tells a ConditionalCheckFailedException from a TimeoutError: see RedactingLogger.
 */
const PERSONAL_FIELDS = new Set(['firstName', 'lastName', 'name', 'fullName', 'email', 'phone', 'mobile', 'birthDate', 'notes', 'text', 'address', 'city', 'postalCode', 'row', 'record', 'body']);
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// International numbers (+ and 7+ digits with separators), or national ones written as 9-11 digits in groups.
const PHONE = /\+\d[\d\s().-]{5,}\d|\b\d{3}[\s.-]?\d{3}[\s.-]?\d{3,5}\b/g;
/**
 * Attributes the logger itself writes (the Lambda context ones come from injectLambdaContext): never
 * personal, and a timestamp or an account id must not look like a phone.
 */
const STRUCTURAL = new Set([
  'timestamp',
  'level',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'function_request_id',
  'function_name',
  'function_arn',
  'function_memory_size',
  'cold_start',
]);

export function redactText(s: string): string {
  return s.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

export function redact(key: string, value: unknown): unknown {
  if (STRUCTURAL.has(key)) return value;
  if (PERSONAL_FIELDS.has(key) && value !== null && value !== undefined && value !== '') return '[redacted]';
  if (typeof value === 'string') return redactText(value);
  return value;
}

/**
 * Powertools' Logger with `redact` applied to every key of every line, knowing which object a key belongs
 * to: the `name` of an error (as Powertools formats it, causes included) is kept, `name` anywhere else is
 * redacted. Its message still passes through `redactText`.
 */
class RedactingLogger extends Logger {
  protected override getJsonReplacer(): (key: string, value: unknown) => void {
    const powertools = super.getJsonReplacer(); // formats errors, bigints; drops circular references
    const formattedErrors = new WeakSet<object>();
    return function (this: unknown, key: string, value: unknown) {
      const isErrorName = key === 'name' && typeof value === 'string' && typeof this === 'object' && this !== null && formattedErrors.has(this);
      const out: unknown = powertools.call(this, key, isErrorName ? value : redact(key, value));
      // Remember the objects Powertools made of an error and of its causes, so their `name` is let through.
      for (let error = value, formatted = out; error instanceof Error && typeof formatted === 'object' && formatted !== null; ) {
        formattedErrors.add(formatted);
        error = error.cause;
        formatted = (formatted as { cause?: unknown }).cause;
      }
      return out;
    };
  }

  protected override createLogger(options?: ConstructorOptions): Logger {
    return new RedactingLogger(options);
  }
}

export const logger: Logger = new RedactingLogger({
  serviceName: 'clientela',
  logLevel: (process.env.LOG_LEVEL as 'INFO') ?? 'INFO',
});

/**
 * Puts `tenantId` on every following line of this invocation, once the tenant is known; undefined takes it
 * off again. The middy stacks (shared/http/api.ts, shared/worker.ts) reset it when the invocation ends.
 */
export function logTenant(tenantId: string | undefined): void {
  if (tenantId) logger.appendKeys({ tenantId });
  else logger.removeKeys(['tenantId']);
}
