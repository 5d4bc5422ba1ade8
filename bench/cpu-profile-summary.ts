// Summarises V8 .cpuprofile files (node --cpu-prof, or `bench/storage.bench.ts --cpu-prof-dir`):
// per file, the sampled time split by area (GC, idle, node internals, dependencies, our code),
// the top functions by self time, and the top call paths by inclusive time. Pure JSON parsing,
// no inspector. Run with `npx tsx bench/cpu-profile-summary.ts [--top=N] FILE...`.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

/** One call-tree node of a V8 CPU profile (the fields this script reads). */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A V8 CPU profile as written by `--cpu-prof` or `Profiler.stop`. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A name and the sampled microseconds attributed to it. */
export interface Entry {
  name: string;
  us: number;
}

/** What `summarise` reports for one profile; every time in microseconds. */
export interface Summary {
  totalUs: number;
  areas: Entry[];
  selfTop: Entry[];
  pathTop: Entry[];
}

const ROOT_FRAMES = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** A readable, stable name for a frame: function, then file:line relative to the repository. */
export function frameName(frame: ProfileNode['callFrame']): string {
  const fn = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return fn;
  const url = frame.url.replace(
    /^file:\/\/.*?\/(node_modules|services|lib|engine|bench|test)\//,
    '$1/',
  );
  return `${fn} ${url}:${frame.lineNumber + 1}`;
}

/** The area a frame's code belongs to, for the split of sampled time. */
export function area(frame: ProfileNode['callFrame']): string {
  if (ROOT_FRAMES.has(frame.functionName) && frame.url === '') return frame.functionName;
  const url = frame.url;
  if (url === '') return '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node internals';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return `dependency ${dependency[1]}`;
  const ours = /\/(services\/[^/]+\/[^/]+|lib\/[^/]+|engine\/[^/]+)/.exec(url);
  return ours ? ours[1]! : 'other';
}

function top(totals: Map<string, number>, count: number): Entry[] {
  return [...totals.entries()]
    .map(([name, us]) => ({ name, us }))
    .sort((a, b) => b.us - a.us || a.name.localeCompare(b.name))
    .slice(0, count);
}

function add(totals: Map<string, number>, key: string, us: number): void {
  totals.set(key, (totals.get(key) ?? 0) + us);
}

/**
 * Attributes each sample's time delta to its leaf frame (self time, and the leaf's area) and to
 * every call path from the root to it (inclusive time; a path is the chain of our frames and
 * dependency entry points, node internals folded away, so that equal code paths reached through
 * different event-loop plumbing add up). `pathDepth` bounds the frames shown per path.
 */
export function summarise(profile: CpuProfile, count = 15, pathDepth = 6): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const paths = new Map<string, number>();
  const pathCache = new Map<number, string[]>();
  const pathOf = (id: number): string[] => {
    const cached = pathCache.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const up = parent.has(id) ? pathOf(parent.get(id)!) : [];
    const keep =
      !node.callFrame.url.startsWith('node:') && !ROOT_FRAMES.has(node.callFrame.functionName);
    const name = frameName(node.callFrame);
    const path = keep && up.at(-1) !== name ? [...up, name] : up;
    pathCache.set(id, path);
    return path;
  };
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node || us <= 0) continue;
    totalUs += us;
    add(self, frameName(node.callFrame), us);
    add(areas, area(node.callFrame), us);
    const path = pathOf(node.id);
    // Every prefix of the path gets the time: inclusive time per call path.
    for (let depth = 1; depth <= Math.min(path.length, pathDepth); depth++) {
      add(paths, path.slice(0, depth).join('  >  '), us);
    }
  }
  return {
    totalUs,
    areas: top(areas, count),
    selfTop: top(self, count),
    pathTop: top(paths, count),
  };
}

/** The summary as plain text, times in ms and percent of the sampled total. */
export function format(title: string, summary: Summary): string {
  const pct = (us: number) => ((100 * us) / Math.max(1, summary.totalUs)).toFixed(1).padStart(5);
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
  const rows = (entries: Entry[]) =>
    entries.map((e) => `  ${ms(e.us)} ms ${pct(e.us)}%  ${e.name}`);
  return [
    `== ${title}: ${(summary.totalUs / 1000).toFixed(0)} ms sampled`,
    '-- by area (self time)',
    ...rows(summary.areas),
    '-- top functions by self time',
    ...rows(summary.selfTop),
    '-- top call paths by inclusive time (node internals folded)',
    ...rows(summary.pathTop),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '15' }, depth: { type: 'string', default: '6' } },
  });
  if (positionals.length === 0) {
    console.error('usage: npx tsx bench/cpu-profile-summary.ts [--top=N] [--depth=N] FILE...');
    process.exitCode = 2;
    return;
  }
  for (const file of positionals) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
    const summary = summarise(profile, Number(values.top), Number(values.depth));
    console.log(format(basename(file), summary));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
