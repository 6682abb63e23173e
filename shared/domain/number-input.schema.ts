import * as z from './zod.ts';

/**
 * A number given in a query string (`minSpent=100`) or in JSON (`{"minSpent": 100}`). `z.coerce.number()`
 * reads `Number(v)`: `""`, `" "`, `null`, `false` and `[]` all became 0 (a min of "everyone", a max of
 * "nothing") and `"0x10"` became 16. Here a value is a JSON number or a decimal string (`12`, `-3.5`, `.5`,
 * `1e3`); anything else is a 400 naming the field. The contract gives no field null as "not set": absent is.
 */
const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export const NOT_A_NUMBER = 'must be a number';

/** The value as a number, or undefined when it is not one this API accepts. */
export function readNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && DECIMAL.test(v) ? Number(v) : undefined;
  return n !== undefined && Number.isFinite(n) ? n : undefined;
}

/** `schema` (a `z.number()` with its checks) fed only by readNumber: an absent value is left to `z.optional`/`z._default`. */
export const numberInput = <T extends z.ZodMiniType<number, number>>(schema: T, notANumber = NOT_A_NUMBER) =>
  z.pipe(
    // Typed as making a number: undefined passes only where the caller's `z.optional`/`z._default` took it first.
    z.transform((v: unknown, ctx): number => {
      if (v === undefined) return v as unknown as number;
      const n = readNumber(v);
      if (n !== undefined) return n;
      // An empty parameter (`?minSpent=`) is the likeliest slip: say so. (zod/mini's transform context has no
      // `addIssue`: the issue goes on its list, as classic zod's `addIssue` puts it.)
      ctx.issues.push({ code: 'custom', message: typeof v === 'string' && !v.trim() ? `${notANumber}, not empty` : notANumber, input: v });
      return z.NEVER;
    }),
    schema,
  );

const WHOLE = 'must be a whole number';

/** `?limit=` of a paged list: a whole number from 1 to `max` (`abc`, `2.5` are a 400 saying so), `fallback` when absent. */
export const pageLimit = (max: number, fallback: number) =>
  z._default(numberInput(z.number().check(z.int(WHOLE), z.minimum(1, `${WHOLE} from 1 to ${max}`), z.maximum(max, `${WHOLE} from 1 to ${max}`)), WHOLE), fallback);
