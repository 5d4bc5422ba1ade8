// A small, dependency-free SVG line-chart builder. Pure: data in, SVG text out.

/** One line on a panel. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** One chart panel. */
export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Logarithmic y axis (for latency percentiles, where max dwarfs p50). */
  readonly logY?: boolean;
  /** Category names for x positions 0, 1, 2, … instead of numbers. */
  readonly xCategories?: readonly string[];
}

/** Colours that stay distinguishable for common colour blindness (Okabe–Ito). */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const PANEL_WIDTH = 720;
const PANEL_HEIGHT = 260;
const MARGIN = { left: 70, right: 150, top: 34, bottom: 44 };

/** Escapes text for XML content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A "nice" tick step (1, 2 or 5 × 10^k) giving about `count` ticks over `span`. */
export function niceStep(span: number, count = 5): number {
  if (!(span > 0)) return 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const nice = normalized < 1.5 ? 1 : normalized < 3.5 ? 2 : normalized < 7.5 ? 5 : 10;
  return nice * magnitude;
}

const fmt = (value: number): string => {
  if (value === 0) return '0';
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  return Number(value.toPrecision(3)).toString();
};

interface Scale {
  toPixel(value: number): number;
  ticks: number[];
}

function linearScale(min: number, max: number, from: number, to: number): Scale {
  const step = niceStep(max - min || 1);
  const low = Math.floor(min / step) * step;
  const high = Math.max(low + step, Math.ceil(max / step) * step);
  const ticks: number[] = [];
  for (let tick = low; tick <= high + step / 2 && ticks.length < 50; tick += step) ticks.push(tick);
  return { toPixel: (value) => from + ((value - low) / (high - low)) * (to - from), ticks };
}

function logScale(min: number, max: number, from: number, to: number): Scale {
  const low = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(max, 1e-3))));
  const ticks: number[] = [];
  for (let exponent = low; exponent <= high; exponent += 1) ticks.push(10 ** exponent);
  return {
    toPixel: (value) =>
      from + ((Math.log10(Math.max(value, 10 ** low)) - low) / (high - low)) * (to - from),
    ticks,
  };
}

/** The plot rectangle of a panel and its two scales. */
interface Frame {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
  readonly x: Scale;
  readonly y: Scale;
}

function panelFrame(panel: Panel, offsetY: number): Frame {
  const left = MARGIN.left;
  const right = PANEL_WIDTH - MARGIN.right;
  const top = offsetY + MARGIN.top;
  const bottom = offsetY + PANEL_HEIGHT - MARGIN.bottom;
  const points = panel.series.flatMap((series) => series.points);
  const ys = points.map(([, y]) => y).filter((y) => Number.isFinite(y));
  const categories = panel.xCategories;
  const x: Scale =
    categories !== undefined
      ? {
          toPixel: (value) => left + (value / Math.max(1, categories.length - 1)) * (right - left),
          ticks: categories.map((_, index) => index),
        }
      : linearScale(
          Math.min(0, ...points.map(([px]) => px)),
          Math.max(1, ...points.map(([px]) => px)),
          left,
          right,
        );
  const y = panel.logY
    ? logScale(Math.min(...ys, 1), Math.max(...ys, 1), bottom, top)
    : linearScale(0, Math.max(...ys, 1), bottom, top);
  return { left, right, top, bottom, x, y };
}

function renderAxes(panel: Panel, frame: Frame, offsetY: number): string[] {
  const { left, right, top, bottom } = frame;
  const middleY = (top + bottom) / 2;
  const parts = [
    `<text x="${left}" y="${offsetY + 20}" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#999"/>`,
  ];
  for (const tick of frame.y.ticks) {
    const py = frame.y.toPixel(tick).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${left - 6}" y="${py}" font-size="11" text-anchor="end" dominant-baseline="middle">${fmt(tick)}</text>`,
    );
  }
  for (const tick of frame.x.ticks) {
    const label = panel.xCategories?.[tick] ?? fmt(tick);
    parts.push(
      `<text x="${frame.x.toPixel(tick).toFixed(1)}" y="${bottom + 16}" font-size="11" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  }
  parts.push(
    `<text x="${(left + right) / 2}" y="${bottom + 34}" font-size="12" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`,
    `<text x="16" y="${middleY}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${middleY})">${escapeXml(panel.yLabel)}</text>`,
  );
  return parts;
}

function renderSeries(series: Series, index: number, frame: Frame): string[] {
  const color = PALETTE[index % PALETTE.length]!;
  const at = ([px, py]: readonly [number, number]): [string, string] => [
    frame.x.toPixel(px).toFixed(1),
    frame.y.toPixel(py).toFixed(1),
  ];
  const finite = series.points.filter(([, value]) => Number.isFinite(value));
  const parts: string[] = [];
  if (finite.length > 0) {
    const path = finite.map((point) => at(point).join(',')).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
  }
  // Markers only where there are few points (percentiles, rounds), not on time series.
  if (finite.length <= 12) {
    for (const point of finite) {
      const [cx, cy] = at(point);
      parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}"/>`);
    }
  }
  const legendY = frame.top + 8 + index * 18;
  parts.push(
    `<line x1="${frame.right + 12}" x2="${frame.right + 32}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="3"/>`,
    `<text x="${frame.right + 38}" y="${legendY}" font-size="12" dominant-baseline="middle">${escapeXml(series.name)}</text>`,
  );
  return parts;
}

function renderPanel(panel: Panel, offsetY: number): string {
  const frame = panelFrame(panel, offsetY);
  return [
    '<g>',
    ...renderAxes(panel, frame, offsetY),
    ...panel.series.flatMap((series, index) => renderSeries(series, index, frame)),
    '</g>',
  ].join('\n');
}

/** Renders panels stacked vertically into one standalone SVG document. */
export function renderChart(title: string, panels: readonly Panel[]): string {
  const height = 30 + panels.length * PANEL_HEIGHT;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL_WIDTH}" height="${height}" viewBox="0 0 ${PANEL_WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PANEL_WIDTH / 2}" y="20" font-size="15" text-anchor="middle">${escapeXml(title)}</text>`,
    ...panels.map((panel, index) => renderPanel(panel, 30 + index * PANEL_HEIGHT)),
    `</svg>`,
    '',
  ].join('\n');
}
