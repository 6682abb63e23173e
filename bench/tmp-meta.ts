import { ROUTES } from '../shared/routes.ts';
import { bundleFunctions } from '../infra/constructs/bundling.ts';
import { mkdtempSync } from 'node:fs';
const names = ['CreateCustomer','IngestEvent','UpdateCustomer'];
const fns = Object.values(ROUTES).filter((r:any)=>names.includes(r.name));
const dir = mkdtempSync('/tmp/meta-');
const meta = await bundleFunctions(Object.fromEntries(fns.map((f:any)=>[f.name,f.entry])), dir);
for (const [out, o] of Object.entries(meta.outputs)) {
  if (!out.endsWith('.mjs') && !out.endsWith('.js')) continue;
  const groups: Record<string, number> = {};
  for (const [inp, v] of Object.entries(o.inputs)) {
    const m = inp.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const k = m ? m[1] : inp.split('/').slice(0,2).join('/');
    groups[k] = (groups[k] ?? 0) + v.bytesInOutput;
  }
  console.log(out, o.bytes);
  console.log(Object.entries(groups).sort((a,b)=>b[1]-a[1]).slice(0,30).map(([k,v])=>`  ${k} ${(v/1024).toFixed(1)}`).join('\n'));
}
const o = Object.entries(meta.outputs).find(([k])=>k.includes('CreateCustomer/index.mjs'))![1];
console.log(Object.entries(o.inputs).filter(([k])=>!k.includes('node_modules')||k.includes('libphone')||k.includes('zod')).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0,40).map(([k,v])=>`${k} ${(v.bytesInOutput/1024).toFixed(1)}`).join('\n'));
