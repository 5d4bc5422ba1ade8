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

function renderPanel(panel: Panel, offsetY: number): string {
  const plotLeft = MARGIN.left;
  const plotRight = PANEL_WIDTH - MARGIN.right;
  const plotTop = offsetY + MARGIN.top;
  const plotBottom = offsetY + PANEL_HEIGHT - MARGIN.bottom;
  const points = panel.series.flatMap((series) => series.points);
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y).filter((y) => Number.isFinite(y));
  const xMin = panel.xCategories !== undefined ? 0 : Math.min(0, ...xs);
  const xMax = panel.xCategories !== undefined ? panel.xCategories.length - 1 : Math.max(1, ...xs);
  const x =
    panel.xCategories !== undefined
      ? {
          toPixel: (value: number) =>
            plotLeft + (value / Math.max(1, xMax)) * (plotRight - plotLeft),
          ticks: panel.xCategories.map((_, index) => index),
        }
      : linearScale(xMin, xMax, plotLeft, plotRight);
  const y = panel.logY
    ? logScale(Math.min(...ys, 1), Math.max(...ys, 1), plotBottom, plotTop)
    : linearScale(0, Math.max(...ys, 1), plotBottom, plotTop);
  const parts: string[] = [
    `<g>`,
    `<text x="${plotLeft}" y="${offsetY + 20}" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<rect x="${plotLeft}" y="${plotTop}" width="${plotRight - plotLeft}" height="${plotBottom - plotTop}" fill="none" stroke="#999"/>`,
  ];
  for (const tick of y.ticks) {
    const py = y.toPixel(tick).toFixed(1);
    parts.push(
      `<line x1="${plotLeft}" x2="${plotRight}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`,
      `<text x="${plotLeft - 6}" y="${py}" font-size="11" text-anchor="end" dominant-baseline="middle">${fmt(tick)}</text>`,
    );
  }
  for (const tick of x.ticks) {
    const px = x.toPixel(tick).toFixed(1);
    const label = panel.xCategories?.[tick] ?? fmt(tick);
    parts.push(
      `<text x="${px}" y="${plotBottom + 16}" font-size="11" text-anchor="middle">${escapeXml(label)}</text>`,
    );
  }
  parts.push(
    `<text x="${(plotLeft + plotRight) / 2}" y="${plotBottom + 34}" font-size="12" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`,
    `<text x="16" y="${(plotTop + plotBottom) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${(plotTop + plotBottom) / 2})">${escapeXml(panel.yLabel)}</text>`,
  );
  panel.series.forEach((series, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    const path = series.points
      .filter(([, value]) => Number.isFinite(value))
      .map(([px, py]) => `${x.toPixel(px).toFixed(1)},${y.toPixel(py).toFixed(1)}`)
      .join(' ');
    if (path !== '') {
      parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    }
    if (series.points.length <= 12) {
      for (const [px, py] of series.points) {
        parts.push(
          `<circle cx="${x.toPixel(px).toFixed(1)}" cy="${y.toPixel(py).toFixed(1)}" r="3" fill="${color}"/>`,
        );
      }
    }
    const legendY = plotTop + 8 + index * 18;
    parts.push(
      `<line x1="${plotRight + 12}" x2="${plotRight + 32}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="3"/>`,
      `<text x="${plotRight + 38}" y="${legendY}" font-size="12" dominant-baseline="middle">${escapeXml(series.name)}</text>`,
    );
  });
  parts.push('</g>');
  return parts.join('\n');
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
