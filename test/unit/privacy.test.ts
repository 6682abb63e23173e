import { describe, expect, it } from 'vitest';
import { identityHashes } from '../../shared/privacy/suppression.ts';
import { retentionCutoff } from '../../shared/privacy/retention.ts';

describe('suppression hashes', () => {
  it('hold neither the email nor the phone, and differ between tenants (secrets)', () => {
    const id = { email: 'giulia@example.it', phone: '+393331234567' };
    const a = identityHashes('secret-of-tenant-a', id);
    const b = identityHashes('secret-of-tenant-b', id);
    expect(a.map((h) => h.kind)).toEqual(['email', 'phone']);
    for (const h of a) {
      expect(h.hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(h.hash).not.toContain('giulia');
      expect(h.hash).not.toContain('3331234567');
    }
    expect(a.map((h) => h.hash)).not.toEqual(b.map((h) => h.hash));
    expect(identityHashes('secret-of-tenant-a', id)).toEqual(a);
  });
});

describe('retention cutoff', () => {
  it('goes back whole calendar months, clamping to the end of a shorter month', () => {
    expect(retentionCutoff(new Date('2026-06-01T12:00:00Z'), 36)).toBe('2023-06-01T12:00:00.000Z');
    expect(retentionCutoff(new Date('2026-03-31T00:00:00Z'), 1)).toBe('2026-02-28T00:00:00.000Z');
    expect(retentionCutoff(new Date('2024-03-31T00:00:00Z'), 1)).toBe('2024-02-29T00:00:00.000Z');
    expect(retentionCutoff(new Date('2026-01-15T00:00:00Z'), 13)).toBe('2024-12-15T00:00:00.000Z');
  });
});
