import { describe, expect, it } from 'vitest';
import { cardEntity, listKeyRanges, nameKeyPart, nameKeyPrefix } from '../../shared/store/entities.ts';
import { compareKeys } from '../../shared/store/key-order.ts';
import { fold } from '../../shared/domain/search-text.ts';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';

/**
 * The `gsi3sk` that `sort=lastName` reads (docs/data-model.md): `{last}\u0001{first}\u0001{id}`, its parts
 * folded and without C0 controls, so that its order is the address book's: by last name (a name before every
 * longer one it starts), then first name, then id, whatever characters the names hold; and the two key ranges
 * of the list hold every key once, the named ones in the first.
 */
const card = (id: string, lastName: string | null, firstName: string | null): Customer => ({
  ...blankCustomer(id, '2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.000Z'),
  firstName,
  lastName,
});
const keyOf = (c: Customer) => cardEntity.item('t1', c).gsi3sk as string;

describe('the last-name index key', () => {
  it('is the folded last and first name and the id, separated by U+0001; no last name starts with the separator', () => {
    expect(keyOf(card('01A', 'De Luca', 'Bruno'))).toBe('de luca\u0001bruno\u000101A');
    expect(keyOf(card('01B', 'Øster', null))).toBe('oster\u0001\u000101B');
    expect(keyOf(card('01C', null, 'Élodie'))).toBe('\u0001elodie\u000101C');
    expect(keyOf(card('01D', null, null))).toBe('\u0001\u000101D');
    expect(keyOf(card('01E', '#1', 'Ezio'))).toBe('#1\u0001ezio\u000101E');
  });

  it('holds no character at or below the separator but the two separators, whatever the names hold (C0 controls out, then trimmed)', () => {
    const key = keyOf(card('01F', '\u0000\u0001 Rossi\u0002\u001f', 'A\u0001n\tna'));
    expect(key).toBe('rossi\u0001anna\u000101F');
    expect(nameKeyPart('\u0001\u0000')).toBe('');
    // A last name of nothing but controls is no last name.
    expect(keyOf(card('01G', '\u0003\u0004', 'Zeno')).startsWith('\u0001')).toBe(true);
  });

  it('starts with the prefix the duplicates Query reads for the same folded names', () => {
    for (const [last, first] of [['De Luca', 'Gino'], ['Dell’Acqua', 'Marta'], ['#1', ''], ['Straße', 'Søren']] as const) {
      expect(keyOf(card('01H', last, first)).startsWith(nameKeyPrefix(fold(last), fold(first)))).toBe(true);
    }
    // The prefix of "De" is not a prefix of "De Luca"'s key: a same-name Query never finds the longer name.
    expect(keyOf(card('01I', 'De Luca', 'Gino')).startsWith(nameKeyPrefix('de', 'gino'))).toBe(false);
  });

  const LASTS = [null, '', '#1', '#', '"Bud" Spencer', '!Kung', 'De', 'De Luca', 'De-Luca', 'Dea', 'de', 'Rossi', 'Rossi Bianchi', 'Rossiani', 'Zanetti', 'Ævar', '😀a', '\uE000b', 'Ωmega', 'ß'];
  const FIRSTS = [null, 'Anna', 'anna', 'Aldo', 'Zeno', '#', ' b'];

  it('sorts (in DynamoDB order) by folded last name, a name before every longer one it starts, then first name, then id', () => {
    const cards: Customer[] = [];
    let n = 0;
    for (const last of LASTS) for (const first of FIRSTS) cards.push(card(`01K${String(n++).padStart(3, '0')}`, last, first));
    const byKey = [...cards].sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    // Element by element, in code point order: a shorter part (a prefix) first.
    const tuple = (c: Customer) => [nameKeyPart(c.lastName), nameKeyPart(c.firstName), c.id];
    const byTuple = [...cards].sort((a, b) => {
      const [x, y] = [tuple(a), tuple(b)];
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return compareKeys(x[i]!, y[i]!);
      return 0;
    });
    expect(byKey.map((c) => c.id)).toEqual(byTuple.map((c) => c.id));
    const lasts = [...new Set(byKey.map((c) => nameKeyPart(c.lastName)))];
    expect(lasts.indexOf('de')).toBeLessThan(lasts.indexOf('de luca'));
    expect(lasts.indexOf('de luca')).toBeLessThan(lasts.indexOf('de-luca'));
    expect(lasts.indexOf('de-luca')).toBeLessThan(lasts.indexOf('dea'));
    expect(lasts.indexOf('rossi')).toBeLessThan(lasts.indexOf('rossi bianchi'));
  });

  it('the two key ranges of sort=lastName hold every key exactly once: a card with a last name in the first, one without in the second, an old-format key (`#`-separated) in one of them', () => {
    const ranges = listKeyRanges('lastName');
    expect(ranges).toHaveLength(2);
    const inRanges = (sk: string) => ranges.map((r, i) => (r.holds(sk) ? i : -1)).filter((i) => i >= 0);
    for (const last of LASTS) {
      for (const first of FIRSTS) {
        const sk = keyOf(card('01M', last, first));
        expect(inRanges(sk), JSON.stringify([last, first])).toEqual([nameKeyPart(last) ? 0 : 1]);
      }
    }
    for (const old of ['#anna#01N', 'de luca#bruno#01N', '##01N', '"bud" spencer#bud#01N', '\u0000x#y#01N', '\u0001x#y#01N', ' x#01N']) expect(inRanges(old), JSON.stringify(old)).toHaveLength(1);
  });
});
