/**
 * The SDK's own retries, set once for every AWS client (shared/clients.ts, the workflow starter, the import
 * continuation): the standard mode (exponential backoff with jitter on throttling and transient faults),
 * 4 tries. What the SDK does not retry (transaction conflicts, unprocessed batch items, throttling that
 * outlasts these tries) is shared/store/retry.ts's job.
 */
export const SDK_RETRY = { retryMode: 'standard', maxAttempts: 4 } as const;
