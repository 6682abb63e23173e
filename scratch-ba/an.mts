import { bundleFunctions } from '../infra/constructs/bundling.ts';
import { ALL_FUNCTIONS } from '../shared/routes.ts';
const names = process.argv.slice(2);
const fns = ALL_FUNCTIONS.filter(f => names.includes(f.name));
const meta = await bundleFunctions(Object.fromEntries(fns.map(f => [f.name, f.entry])), '/tmp/ba/out');
for (const [out, o] of Object.entries(meta.outputs)) {
  if (!out.endsWith('.mjs')) continue;
  console.log('==', out, (o.bytes/1024).toFixed(1), 'KiB');
  const byPkg = new Map<string, number>();
  for (const [inp, v] of Object.entries(o.inputs)) {
    const m = inp.match(/node_modules\/((@[^/]+\/)?[^/]+)/);
    const k = m ? m[1] : inp.replace(/\/[^/]+$/, '');
    byPkg.set(k, (byPkg.get(k) ?? 0) + v.bytesInOutput);
  }
  for (const [k, v] of [...byPkg].sort((a,b)=>b[1]-a[1]).slice(0, 30)) console.log((v/1024).toFixed(1).padStart(8), k);
}
