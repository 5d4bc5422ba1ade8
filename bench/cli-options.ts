// Command-line options of `npm run bench`, parsed into a typed, validated value. Pure: the
// environment is passed in.
import { PHASE_DURATION_MS_MAX } from './runner.js';
import { WORKLOADS } from './workloads.js';
import type { RequestDistribution } from './workloads.js';

/** Where a target comes from. */
export type TargetKind = 'dynalite' | 'tessera' | 'endpoint';

/** Every option of one benchmark invocation. */
export interface BenchOptions {
  readonly workload: string;
  readonly target: TargetKind;
  readonly endpoint: string | undefined;
  readonly sideBySide: boolean;
  readonly targets: readonly TargetKind[];
  readonly rounds: number;
  readonly recordCount: number;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly operationLimit: number;
  readonly loadDurationMs: number;
  readonly ratePerSecond: number | undefined;
  readonly phases: 'load' | 'run' | 'both';
  readonly seed: number;
  readonly distribution: RequestDistribution | undefined;
  readonly table: string;
  readonly outDirectory: string;
  readonly svg: boolean;
  readonly sign: boolean;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly tesseraCommand: string;
  readonly tesseraEndpoint: string;
  readonly requestTimeoutMs: number;
  readonly progress: boolean;
}

/** The outcome of parsing. */
export type ParseResult =
  | { readonly ok: true; readonly options: BenchOptions }
  | { readonly ok: false; readonly message: string }
  | { readonly ok: 'help' };

/** The `--help` text. */
export const USAGE = `Usage: npm run bench -- [options]

Targets (traffic goes to 127.0.0.1 unless --endpoint points elsewhere):
  --target dynalite|tessera|endpoint  what to benchmark (default: dynalite, or endpoint with --endpoint)
  --endpoint URL               an already running DynamoDB endpoint (e.g. http://127.0.0.1:8000)
  --side-by-side               run the same workload against several targets, alternating rounds
  --targets a,b                targets for --side-by-side (default dynalite,tessera)
  --rounds N                   rounds per target in --side-by-side (default 4)
  --tessera-command CMD        command that starts the local cluster (default: npm start)
  --tessera-endpoint URL       where that cluster serves DynamoDB (default http://127.0.0.1:8000)

Workload:
  --workload NAME              a b c d e f (YCSB) or put get query (default a)
  --distribution D             override the request distribution: zipfian uniform latest
  --records N                  records loaded (default 10000)
  --concurrency N              operations in flight (default 16)
  --duration-seconds S         run phase length (default 30, at most 3600)
  --operations N               run phase operation limit (default 1000000)
  --rate N                     at most N operations/s (open loop; default unlimited)
  --phases load|run|both       (default both; run alone expects loaded records)
  --load-timeout-seconds S     bound of the load phase (default 600)
  --seed N                     random seed (default 1)
  --table NAME                 table name (default usertable)

Client and output:
  --no-sign                    send no SigV4 Authorization header
  --region R                   signing region (default us-east-1 or AWS_REGION)
  --access-key-id, --secret-access-key   (default AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or "bench")
  --request-timeout-ms N       per request (default 10000)
  --out DIR                    where the JSON result and SVG chart go (default $TMPDIR/tessera-bench)
  --no-svg                     do not write the SVG chart
  --no-progress                no live progress line
`;

const BOOLEAN_FLAGS = new Set(['side-by-side', 'no-sign', 'no-svg', 'no-progress', 'help']);

function parseInteger(name: string, text: string, min: number, max: number): number | string {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    return `--${name} must be an integer from ${min} to ${max}, got '${text}'`;
  }
  return value;
}

function splitArguments(argv: readonly string[]): Map<string, string> | string {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const argument = argv[i]!;
    if (!argument.startsWith('--')) return `unexpected argument '${argument}'`;
    const equals = argument.indexOf('=');
    const name = argument.slice(2, equals === -1 ? undefined : equals);
    if (BOOLEAN_FLAGS.has(name)) {
      values.set(name, 'true');
    } else if (equals !== -1) {
      values.set(name, argument.slice(equals + 1));
    } else if (i + 1 < argv.length) {
      values.set(name, argv[(i += 1)]!);
    } else {
      return `--${name} needs a value`;
    }
  }
  return values;
}

const KNOWN = new Set([
  ...BOOLEAN_FLAGS,
  'target',
  'endpoint',
  'targets',
  'rounds',
  'tessera-command',
  'tessera-endpoint',
  'workload',
  'distribution',
  'records',
  'concurrency',
  'duration-seconds',
  'operations',
  'rate',
  'phases',
  'load-timeout-seconds',
  'seed',
  'table',
  'region',
  'access-key-id',
  'secret-access-key',
  'request-timeout-ms',
  'out',
]);

function parseTargetKind(text: string): TargetKind | undefined {
  return text === 'dynalite' || text === 'tessera' || text === 'endpoint' ? text : undefined;
}

type Lookup = (name: string) => string | undefined;
type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Integer options: name, default, minimum, maximum. */
const INTEGER_OPTIONS: readonly (readonly [string, number, number, number])[] = [
  ['records', 10_000, 1, 100_000_000],
  ['concurrency', 16, 1, 4096],
  ['duration-seconds', 30, 1, PHASE_DURATION_MS_MAX / 1000],
  ['operations', 1_000_000, 1, 1_000_000_000],
  ['load-timeout-seconds', 600, 1, PHASE_DURATION_MS_MAX / 1000],
  ['seed', 1, 0, 2 ** 31],
  ['rounds', 4, 1, 100],
  ['request-timeout-ms', 10_000, 1, 600_000],
];

function parseIntegers(get: Lookup): Parsed<Record<string, number>> {
  const integers: Record<string, number> = {};
  for (const [name, fallback, min, max] of INTEGER_OPTIONS) {
    const text = get(name);
    const value = text === undefined ? fallback : parseInteger(name, text, min, max);
    if (typeof value === 'string') return { ok: false, message: value };
    integers[name] = value;
  }
  return { ok: true, value: integers };
}

interface Choices {
  workload: string;
  distribution: RequestDistribution | undefined;
  phases: BenchOptions['phases'];
  ratePerSecond: number | undefined;
}

function parseChoices(get: Lookup): Parsed<Choices> {
  const rate = get('rate');
  const ratePerSecond = rate === undefined ? undefined : Number(rate);
  if (ratePerSecond !== undefined && !(ratePerSecond > 0 && ratePerSecond <= 10_000_000)) {
    return { ok: false, message: `--rate must be a positive number, got '${rate}'` };
  }
  const workload = get('workload') ?? 'a';
  if (WORKLOADS[workload] === undefined) {
    const names = Object.keys(WORKLOADS).join(' ');
    return { ok: false, message: `unknown workload '${workload}'; one of ${names}` };
  }
  const distribution = get('distribution');
  if (distribution !== undefined && !['zipfian', 'uniform', 'latest'].includes(distribution)) {
    return { ok: false, message: `--distribution must be zipfian, uniform or latest` };
  }
  const phases = get('phases') ?? 'both';
  if (phases !== 'load' && phases !== 'run' && phases !== 'both') {
    return { ok: false, message: `--phases must be load, run or both` };
  }
  return {
    ok: true,
    value: {
      workload,
      distribution: distribution as RequestDistribution | undefined,
      phases,
      ratePerSecond,
    },
  };
}

interface Targets {
  target: TargetKind;
  endpoint: string | undefined;
  targets: TargetKind[];
}

function parseTargets(get: Lookup): Parsed<Targets> {
  const endpoint = get('endpoint');
  const target = parseTargetKind(
    get('target') ?? (endpoint === undefined ? 'dynalite' : 'endpoint'),
  );
  if (target === undefined) {
    return { ok: false, message: `--target must be dynalite, tessera or endpoint` };
  }
  if (target === 'endpoint' && endpoint === undefined) {
    return { ok: false, message: '--target endpoint needs --endpoint URL' };
  }
  for (const url of [endpoint, get('tessera-endpoint')]) {
    if (url !== undefined && !URL.canParse(url))
      return { ok: false, message: `not a URL: '${url}'` };
  }
  const targets = (get('targets') ?? 'dynalite,tessera')
    .split(',')
    .map((t) => parseTargetKind(t.trim()));
  if (targets.some((t) => t === undefined) || targets.length < 2 || targets.length > 4) {
    return { ok: false, message: '--targets must list 2-4 of dynalite, tessera, endpoint' };
  }
  return { ok: true, value: { target, endpoint, targets: targets as TargetKind[] } };
}

/** Parses argv (without the node and script names). */
export function parseBenchArguments(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
  temporaryDirectory: string,
): ParseResult {
  const split = splitArguments(argv);
  if (typeof split === 'string') return { ok: false, message: split };
  if (split.has('help')) return { ok: 'help' };
  for (const name of split.keys()) {
    if (!KNOWN.has(name)) return { ok: false, message: `unknown option --${name}` };
  }
  const get: Lookup = (name) => split.get(name);
  const integers = parseIntegers(get);
  if (!integers.ok) return integers;
  const choices = parseChoices(get);
  if (!choices.ok) return choices;
  const targets = parseTargets(get);
  if (!targets.ok) return targets;
  const n = integers.value;
  return {
    ok: true,
    options: {
      ...choices.value,
      ...targets.value,
      sideBySide: split.has('side-by-side'),
      rounds: n.rounds!,
      recordCount: n.records!,
      concurrency: n.concurrency!,
      durationMs: n['duration-seconds']! * 1000,
      operationLimit: n.operations!,
      loadDurationMs: n['load-timeout-seconds']! * 1000,
      seed: n.seed!,
      table: get('table') ?? 'usertable',
      outDirectory: get('out') ?? `${temporaryDirectory}/tessera-bench`,
      svg: !split.has('no-svg'),
      sign: !split.has('no-sign'),
      region: get('region') ?? environment.AWS_REGION ?? 'us-east-1',
      accessKeyId: get('access-key-id') ?? environment.AWS_ACCESS_KEY_ID ?? 'bench',
      secretAccessKey: get('secret-access-key') ?? environment.AWS_SECRET_ACCESS_KEY ?? 'bench',
      tesseraCommand: get('tessera-command') ?? environment.TESSERA_BENCH_COMMAND ?? 'npm start',
      tesseraEndpoint: get('tessera-endpoint') ?? 'http://127.0.0.1:8000',
      requestTimeoutMs: n['request-timeout-ms']!,
      progress: !split.has('no-progress'),
    },
  };
}
