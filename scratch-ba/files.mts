import { bundleFunctions } from '../infra/constructs/bundling.ts';
import { ALL_FUNCTIONS } from '../shared/routes.ts';
const [name, filt] = process.argv.slice(2);
const fns = ALL_FUNCTIONS.filter(f => f.name === name);
const meta = await bundleFunctions(Object.fromEntries(fns.map(f => [f.name, f.entry])), '/tmp/ba/out');
for (const [out, o] of Object.entries(meta.outputs)) {
  if (!out.endsWith('.mjs')) continue;
  const rows = Object.entries(o.inputs).filter(([k]) => k.includes(filt ?? '')).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput);
  for (const [k, v] of rows.slice(0, 60)) console.log((v.bytesInOutput/1024).toFixed(1).padStart(7), k);
}
