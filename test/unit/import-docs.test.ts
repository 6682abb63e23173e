import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/routes.ts';

/** docs/api.md tells an API user how the import's undo answers, as the route (and its handler) does. */
const apiMd = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'api.md'), 'utf8');
const row = (route: string) => apiMd.split('\n').find((l) => l.startsWith(`| \`${route}\``)) ?? '';

describe('docs/api.md on undoing an import', () => {
  it('has a route row for DELETE /v1/imports/{id}: 200 when done, 202 while it continues, call again until 200', () => {
    const undo = row('DELETE /v1/imports/{id}');
    expect(undo).toMatch(/`200`/);
    expect(undo).toMatch(/`202`/);
    expect(undo).toMatch(/Call `DELETE` again until it answers `200`/);
    const route = ROUTES.find((r) => r.method === 'DELETE' && r.path === '/v1/imports/{id}');
    expect(route?.alsoAnswers && Object.keys(route.alsoAnswers)).toEqual(['202']);
  });
});
