import { html, type Html } from './html.js';

/** One bar: its parts stacked from the bottom, each coloured by a state class (`s-success`…). */
export interface Bar {
  /** Under the bar (shown for every sixth bar, so they fit). */
  label: string;
  parts: { value: number; tone: string }[];
  /** What the bar says in words (a tooltip). */
  title: string;
}

export interface BarChart {
  /** Unique on the page: the SVG's title and description are named by it. */
  id: string;
  title: string;
  /** A summary in words; the page also gives the numbers as a table. */
  desc: string;
  bars: Bar[];
  /** How a value reads on the axis. */
  tick: (value: number) => string;
}

const WIDTH = 520;
const HEIGHT = 180;
const LEFT = 44;
const BOTTOM = 20;
const TOP = 8;

/**
 * A bar chart as inline SVG, drawn on the server with attributes and classes only (the CSP
 * allows no inline style): `role="img"` with its title and description for screen readers.
 */
export function barChart(chart: BarChart): Html {
  const max = Math.max(0, ...chart.bars.map((bar) => total(bar)));
  const plot = HEIGHT - BOTTOM - TOP;
  const step = (WIDTH - LEFT) / Math.max(1, chart.bars.length);
  const scale = (value: number) => (max === 0 ? 0 : (value / max) * plot);
  const bars = chart.bars.map((bar, index) => {
    const x = round(LEFT + index * step + step * 0.15);
    let y = HEIGHT - BOTTOM;
    const rects = bar.parts.filter((part) => part.value > 0).map((part) => {
      const height = scale(part.value);
      y -= height;
      return html`<rect class="${part.tone}" x="${x}" y="${round(y)}" width="${round(step * 0.7)}" height="${round(height)}"></rect>`;
    });
    const label = index % 6 === 0 ? html`<text class="tick" x="${x}" y="${HEIGHT - 6}">${bar.label}</text>` : '';
    return html`<g><title>${bar.title}</title>${rects}</g>${label}`;
  });
  return html`<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="${chart.id}-title ${chart.id}-desc">
<title id="${chart.id}-title">${chart.title}</title><desc id="${chart.id}-desc">${chart.desc}</desc>
<line class="axis" x1="${LEFT}" y1="${TOP}" x2="${WIDTH}" y2="${TOP}"></line><line class="axis" x1="${LEFT}" y1="${HEIGHT - BOTTOM}" x2="${WIDTH}" y2="${HEIGHT - BOTTOM}"></line>
<text class="tick" x="${LEFT - 4}" y="${TOP + 4}" text-anchor="end">${chart.tick(max)}</text><text class="tick" x="${LEFT - 4}" y="${HEIGHT - BOTTOM}" text-anchor="end">${chart.tick(0)}</text>
${bars}</svg>`;
}

function total(bar: Bar): number {
  return bar.parts.reduce((sum, part) => sum + part.value, 0);
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
