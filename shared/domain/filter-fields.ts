/** The filter language's bounds and list fields, read by its schema (customer-filter.schema.ts) and its rules (customer-filter.ts). */

/**
 * How many values a filter may name: in one list field, and in all its list fields together. Each value
 * becomes a comparison in the DynamoDB FilterExpression, which is refused over 4 KB (and an IN over 100
 * operands); at this bound the longest expression (100 languages, every other field set) stays near 3.7 KB.
 */
export const MAX_FILTER_VALUES = 100;
/** The list fields of a filter (comma-separated in a query string). */
export const LIST_FIELDS = ['language', 'consent', 'tags', 'anyTags', 'gender', 'city', 'country', 'rfmGroup', 'bought'] as const;
