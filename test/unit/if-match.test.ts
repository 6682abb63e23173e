import { describe, expect, it } from 'vitest';
import { ifMatchVersions } from '../../shared/http/customer-view.ts';

// report-attack L4: If-Match read as RFC 9110 §13.1.1 says (the route's behaviour: test/integration/if-match.test.ts).
describe('If-Match, compared as RFC 9110 says (L4)', () => {
  it('reads a list of tags, any of which may be the current one', () => {
    expect(ifMatchVersions('"14", "15"')).toEqual([14, 15]);
    expect(ifMatchVersions('"3"')).toEqual([3]);
  });

  it('reads no precondition from an absent header or *', () => {
    expect(ifMatchVersions(undefined)).toBeUndefined();
    expect(ifMatchVersions(' * ')).toBeUndefined();
  });

  it('never matches a weak tag (strong comparison), nor a tag that is no version of ours', () => {
    expect(ifMatchVersions('W/"9"')).toEqual([]);
    expect(ifMatchVersions('W/"9", "10"')).toEqual([10]);
    expect(ifMatchVersions('"abc"')).toEqual([]);
    // Past any version a card reaches, and past what a number holds exactly (it read as 1e+23).
    expect(ifMatchVersions('"99999999999999999999999"')).toEqual([]);
  });
});
