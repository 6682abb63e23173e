import { build } from 'esbuild';
import { FUNCTION_BUILD } from '../infra/constructs/bundling.ts';
const src = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'; import { KMSClient } from '@aws-sdk/client-kms';
export const handler = async () => [DynamoDBDocumentClient.from(new DynamoDBClient({})), new KMSClient({})];`;
const r = await build({ ...FUNCTION_BUILD, stdin: { contents: src, resolveDir: process.cwd(), loader: 'js' }, outfile: '/tmp/ba/base.mjs', metafile: true });
for (const [out, o] of Object.entries(r.metafile.outputs)) {
  console.log('==', out, (o.bytes/1024).toFixed(1));
  const byPkg = new Map<string, number>();
  for (const [inp, v] of Object.entries(o.inputs)) { const m = inp.match(/node_modules\/((@[^/]+\/)?[^/]+)/); const k = m ? m[1] : inp; byPkg.set(k, (byPkg.get(k) ?? 0) + v.bytesInOutput); }
  for (const [k, v] of [...byPkg].sort((a,b)=>b[1]-a[1]).slice(0, 25)) console.log((v/1024).toFixed(1).padStart(8), k);
}
