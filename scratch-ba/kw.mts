import { generateMessages } from '../bench/insights-algorithms.ts';
import { keywords } from '../shared/insights/keywords.ts';
const to = Date.UTC(2026, 4, 15);
const q = { from: new Date(to - 7 * 86_400_000), to: new Date(to) };
const data = generateMessages(100_000, to);
function* lines(buf: Buffer) { let s = 0; for (;;) { const e = buf.indexOf(10, s); if (e < 0) break; yield JSON.parse(buf.toString('utf8', s, e)); s = e + 1; } }
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
for (let i = 0; i < 3; i++) {
  let c = cpu(); let n = 0; for (const _ of lines(data)) n++; const base = cpu() - c;
  c = cpu(); const r = await keywords(lines(data) as any, q); const kw = cpu() - c;
  console.log(`base ${base.toFixed(3)} kw ${kw.toFixed(3)} ratio ${(kw/base).toFixed(2)} items ${r.items.length}`);
}
