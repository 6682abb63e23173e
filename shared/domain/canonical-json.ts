/**
 * JSON with every object's keys in sorted order (UTF-16 code unit order, as `Array.prototype.sort` sorts
 * them), otherwise what `JSON.stringify` writes: the text two equal values digest to, whatever order their keys
 * came in. Event receipts (`eventPayloadHash`, shared/events/ingest.ts) and export idempotency keys
 * (shared/exports/export-idempotency.ts) store digests of it, so it must never change: it writes exactly what
 * safe-stable-stringify 2.5 (its predecessor here, 7.5 KiB of the event function's bundle) wrote for the values
 * they hash, parsed request bodies (test/unit/canonical-json.test.ts compares the two).
 *
 * Values are what a parsed and validated body holds: plain objects, arrays, strings, finite numbers, booleans,
 * null, and `toJSON` objects (a Date). As in JSON.stringify, an object key whose value is undefined, a
 * function or a symbol is left out and such an array item is `null`; a value that is one of them alone gives
 * undefined. Cycles and BigInts, which no parsed body holds, are refused (TypeError), as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string | undefined {
  return write(value, '', []);
}

function write(input: unknown, key: string, parents: object[]): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'object': {
      if (value === null) return 'null';
      if (parents.includes(value)) throw new TypeError('canonicalJson: a value that holds itself');
      parents.push(value);
      let out: string;
      if (Array.isArray(value)) {
        const items: string[] = [];
        for (let i = 0; i < value.length; i++) items.push(write(value[i], String(i), parents) ?? 'null');
        out = `[${items.join(',')}]`;
      } else {
        const entries: string[] = [];
        for (const k of Object.keys(value).sort()) {
          const v = write((value as Record<string, unknown>)[k], k, parents);
          if (v !== undefined) entries.push(`${JSON.stringify(k)}:${v}`);
        }
        out = `{${entries.join(',')}}`;
      }
      parents.pop();
      return out;
    }
    case 'bigint':
      throw new TypeError('canonicalJson: a BigInt has no JSON form');
    default:
      return undefined; // undefined, a function, a symbol
  }
}
