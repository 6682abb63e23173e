/** How the console says a problem in one line (console/src/api.ts `problemText`). */
import { describe, expect, it } from 'vitest';

// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const { problemText } = (await import(/* @vite-ignore */ new URL('../../console/src/api.ts', import.meta.url).href)) as {
  problemText: (p: { title: string; status: number; detail?: string; errors?: { path: string; message: string }[] }) => string;
};

describe('a problem in one line', () => {
  it('says a field once when the detail already says it (a 400 names every field in its detail too)', () => {
    const errors = [{ path: 'phone', message: 'not a valid phone number' }];
    expect(problemText({ title: 'Bad Request', status: 400, detail: 'phone: not a valid phone number', errors })).toBe('phone: not a valid phone number');
  });
  it('adds the fields the detail leaves out', () => {
    const errors = [{ path: 'email', message: 'not an email address' }, { path: 'phone', message: 'not a valid phone number' }];
    expect(problemText({ title: 'Bad Request', status: 400, detail: 'email: not an email address', errors })).toBe('email: not an email address — phone: not a valid phone number');
  });
  it('falls back to the title', () => {
    expect(problemText({ title: 'Not Found', status: 404 })).toBe('Not Found');
  });
});
