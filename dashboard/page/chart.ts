import uPlot from 'uplot';
import type { AccuracyPoint, Marker } from '../src/view';
import { clock, el, markerText, percent } from './format';
import { OKABE_ITO, markerColour } from './palette';

/** Draws the markers as vertical lines with their label, over the plot. */
function markerPlugin(markers: () => Marker[], bucketMs: () => number): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        const { top, height, left, width } = u.bbox;
        const [min, max] = [u.scales['x']?.min ?? 0, u.scales['x']?.max ?? 0];
        ctx.save();
        ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`;
        ctx.textBaseline = 'top';
        let labelRow = 0;
        for (const m of markers()) {
          // A marker within a bucket before the first point (a point stands for its bucket's end) is drawn at the left edge.
          const at = m.t / 1000;
          const t = at < min && at >= min - bucketMs() / 1000 ? min : at;
          if (t < min || t > max) continue;
          const x = Math.round(u.valToPos(t, 'x', true));
          ctx.strokeStyle = markerColour(m.kind);
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash(m.kind === 'swap' || m.kind === 'first' ? [] : [6 * devicePixelRatio, 4 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          const label = m.version === null ? m.kind : m.kind === 'swap' || m.kind === 'first' ? `v${m.version}` : `${m.kind} v${m.version}`;
          const w = ctx.measureText(label).width;
          const lx = Math.min(x + 3 * devicePixelRatio, left + width - w - 2);
          const ly = top + 2 * devicePixelRatio + (labelRow % 3) * 14 * devicePixelRatio;
          labelRow++;
          ctx.fillStyle = 'rgba(255,255,255,0.85)';
          ctx.fillRect(lx - 1, ly - 1, w + 2, 13 * devicePixelRatio);
          ctx.fillStyle = OKABE_ITO.black;
          ctx.fillText(label, lx, ly);
        }
        ctx.restore();
      },
    },
  };
}

/** The accuracy chart: running and window accuracy over time, a marker at every swap and instruction. */
export class AccuracyChart {
  private plot: uPlot | undefined;
  private markers: Marker[] = [];
  private bucketMs = 1000;
  private readonly holder: HTMLElement;

  constructor(
    private readonly figure: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly markerList: HTMLElement,
    private readonly recentTable: HTMLTableSectionElement,
  ) {
    this.holder = figure.querySelector('.plot') as HTMLElement;
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(this.holder);
  }

  private size(): { width: number; height: number } {
    const width = Math.max(260, this.holder.clientWidth);
    return { width, height: width < 600 ? 220 : 300 };
  }

  private create(): uPlot {
    const opts: uPlot.Options = {
      ...this.size(),
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${t}%`), size: 48 }],
      series: [
        {},
        { label: 'Running accuracy', stroke: OKABE_ITO.blue, width: 2, points: { show: false } },
        { label: 'Window accuracy', stroke: OKABE_ITO.orange, width: 2, dash: [8, 4], points: { show: false } },
      ],
      // The figure's caption is the key: uPlot's own legend would repeat it.
      legend: { show: false },
      cursor: { show: false },
      plugins: [
        markerPlugin(
          () => this.markers,
          () => this.bucketMs,
        ),
      ],
    };
    return new uPlot(opts, [[], [], []], this.holder);
  }

  render(points: AccuracyPoint[], markers: Marker[], windowSize: number, bucketMs: number): void {
    this.markers = markers;
    this.bucketMs = bucketMs;
    this.plot ??= this.create();
    const pct = (v: number | null): number | null => (v === null ? null : v * 100);
    this.plot.setData([points.map((p) => p.t / 1000), points.map((p) => pct(p.running)), points.map((p) => pct(p.window))]);
    this.figure.dataset['points'] = String(points.length);
    this.figure.dataset['markers'] = String(markers.length);
    const last = points[points.length - 1];
    const swaps = markers.filter((m) => m.kind === 'swap').length;
    this.summary.textContent =
      last === undefined
        ? 'No predictions yet.'
        : `Running accuracy ${percent(last.running)} and ${percent(last.window)} over the last ${windowSize} labelled predictions, ` +
          `at ${clock(last.t)} after ${last.predictions.toLocaleString('en-US')} predictions; ${swaps} swap(s) and ` +
          `${markers.length - swaps} other marker(s) since ${clock(points[0]?.t ?? null)}.`;
    this.markerList.replaceChildren(
      ...(markers.length === 0
        ? [el('li', 'none yet')]
        : markers
            .slice()
            .reverse()
            .map((m) => {
              const li = el('li', '', { 'data-kind': m.kind });
              const swatch = el('span', '', { class: 'swatch', 'aria-hidden': 'true' });
              swatch.style.background = markerColour(m.kind);
              const where = m.replicas.length > 0 ? ` on ${m.replicas.length} replica(s)` : m.detail === '' ? '' : ` ${m.detail}`;
              li.append(swatch, el('time', clock(m.t), { datetime: new Date(m.t).toISOString() }), ` ${markerText(m)}${where}`);
              return li;
            })),
    );
    this.recentTable.replaceChildren(
      ...points.slice(-10).map((p) => {
        const tr = el('tr');
        tr.append(
          el('td', clock(p.t)),
          el('td', percent(p.running)),
          el('td', percent(p.window)),
          el('td', p.predictions.toLocaleString('en-US')),
        );
        return tr;
      }),
    );
  }
}
