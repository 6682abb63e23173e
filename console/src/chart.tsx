/**
 * Bar and line charts with uPlot (small, maintained, canvas). A canvas says nothing to a screen reader,
 * so every chart has a label and the same figures in a table next to it.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { t } from './i18n.ts';

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

export function Chart({ title, labels, series, kind = 'bars', format = (n: number) => String(n) }: { title: string; labels: string[]; series: ChartSeries[]; kind?: 'bars' | 'line'; format?: (n: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || labels.length === 0) return;
    const width = () => Math.max(240, el.clientWidth);
    // One series per bar chart (several series are drawn as lines).
    const bars = uPlot.paths.bars!({ size: [0.7, 60], align: 0 });
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        legend: { show: series.length > 1 },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.6, labels.length - 0.4] } },
        axes: [
          { values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')), gap: 4, size: 50, rotate: labels.length > 6 ? -30 : 0 } as uPlot.Axis,
          { values: (_u, splits) => splits.map(format), size: 70 },
        ],
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            fill: kind === 'bars' ? s.color : undefined,
            width: kind === 'bars' ? 0 : 2,
            paths: kind === 'bars' ? bars : undefined,
            points: { show: kind === 'line' },
          })),
        ],
      },
      [labels.map((_, i) => i), ...series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify({ labels, series }), kind]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={title} />
      <details>
        <summary>{t('dataTable')}</summary>
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">{title}</th>
                {series.map((s) => (
                  <th key={s.label} scope="col">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {labels.map((l, i) => (
                <tr key={l}>
                  <th scope="row">{l}</th>
                  {series.map((s) => (
                    <td key={s.label}>{format(s.values[i] ?? 0)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
