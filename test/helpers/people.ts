/**
 * Made-up people for integration tests: ids and numbers unique within a run, so tests sharing a tenant (or a
 * DynamoDB Local) never meet each other's customers.
 */
let n = 0;
/** A short string unique in this process (time plus a counter). */
export const uniq = (): string => `${Date.now().toString(36)}${(n++).toString(36)}`;

/** A random Italian number with the given national prefix: E.164 and as a person writes it ("349 123 4567"). */
export function italianNumber(prefix = '349'): { e164: string; written: string } {
  const national = `${prefix}${String(1000000 + Math.floor(Math.random() * 8999999))}`;
  return { e164: `+39${national}`, written: `${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}` };
}
