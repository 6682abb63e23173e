/**
 * `__proto__` cannot be a custom attribute name: JavaScript objects (and DynamoDB's marshaller, which builds
 * plain objects) treat it as the prototype, so the attribute would vanish silently. The API refuses it with a
 * 400 naming it; an import ignores such a column (shown as `ignore` in the job's detected columns). Every
 * other name, `constructor` and `toString` included, is stored as it is.
 */
export const isStorableAttributeName = (name: string): boolean => name !== '__proto__';
