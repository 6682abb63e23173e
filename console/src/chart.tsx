/**
 * Bar and line charts with uPlot (small, maintained, canvas). A canvas says nothing to a screen reader,
 * so every chart has a label and the same figures in a table next to it.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtNumber, t } from './i18n.ts';

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

/** Whole-number steps for counts (no "1.25 customers"). */
const WHOLE_STEPS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10_000, 20_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];
/** Roughly how wide a label of the axes' 12px font is: the axes are sized to their longest label, not cut off. */
const textWidth = (s: string) => s.length * 7.5;

/**
 * `whole`: the figures are counts (ticks on whole numbers). Numbers are in the console's language; the value
 * axis starts at 0, so a group of one customer shows a bar.
 */
export function Chart({
  title,
  labels,
  series,
  kind = 'bars',
  format = (n: number) => fmtNumber(n, 2),
  whole = false,
}: {
  title: string;
  labels: string[];
  series: ChartSeries[];
  kind?: 'bars' | 'line';
  format?: (n: number) => string;
  whole?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || labels.length === 0) return;
    const width = () => Math.max(240, el.clientWidth);
    // One series per bar chart (several series are drawn as lines).
    const bars = uPlot.paths.bars!({ size: [0.7, 60], align: 0 });
    // Labels that do not fit side by side (a phone, long Italian names) are turned, and the axis made tall enough.
    const longest = Math.max(...labels.map((l) => textWidth(l)));
    const turned = longest + 8 > width() / labels.length;
    const xSize = turned ? Math.min(140, Math.ceil(longest * 0.71) + 24) : 30;
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        // The series' names only (no cursor, so no "Value: --").
        legend: { show: series.length > 1, live: false },
        cursor: { show: false },
        scales: {
          x: { time: false, range: [-0.6, labels.length - 0.4] },
          y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? (whole ? Math.max(1, Math.ceil(max * 1.1)) : max * 1.1) : 1] },
        },
        axes: [
          {
            // A tick and a label for every bar: uPlot would thin them out on a phone (every other bar unnamed).
            splits: () => labels.map((_, i) => i),
            values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')),
            gap: 4,
            size: xSize,
            rotate: turned ? -45 : 0,
          } as uPlot.Axis,
          {
            values: (_u, splits) => splits.map((n) => (whole && !Number.isInteger(n) ? '' : format(n))),
            size: (_u, values) => Math.ceil(Math.max(40, ...(values ?? []).map(textWidth))) + 16,
            ...(whole ? { incrs: WHOLE_STEPS } : {}),
          },
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
