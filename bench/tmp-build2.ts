import { build } from 'esbuild';
import { ROUTES, WORKERS, INSIGHTS_WORKERS } from '../shared/routes.ts';
import { FUNCTION_BUILD } from '../infra/constructs/bundling.ts';
const names = process.argv.slice(2);
const all = [...ROUTES.map((r) => ({ name: r.name, entry: r.entry })), ...Object.values(WORKERS), ...Object.values(INSIGHTS_WORKERS)];
for (const f of all.filter((f) => names.includes(f.name))) await build({ ...FUNCTION_BUILD, entryPoints: [f.entry], outfile: `/tmp/bundu/${f.name}/index.mjs`, minify: false, metafile: false } as any);
