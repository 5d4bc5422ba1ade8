// What both k6 scripts share: environment parameters, the thresholds, and the benchmark
// item shape (the same as `npm run bench`: partition key pk, sort key sk, 10 x 100 bytes).

/** A string environment variable with a default. */
export function env(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

/** A numeric environment variable with a default; a bad value stops the script. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(env(name, String(fallback)));
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number`);
  return value;
}

/** The load shape shared by both scripts: an open-model arrival rate, bounded in time. */
export function scenario(): Record<string, unknown> {
  const vus = envNumber('VUS', 16);
  return {
    executor: 'constant-arrival-rate',
    rate: envNumber('RATE', 200),
    timeUnit: '1s',
    duration: env('DURATION', '30s'),
    preAllocatedVUs: vus,
    maxVUs: envNumber('MAX_VUS', vus * 4),
  };
}

/** Number of records the setup writes and the iterations read and update. */
export const RECORDS = envNumber('RECORDS', 1000);
/** Share of reads; the rest are updates (0.5 is YCSB workload A, 0.95 workload B). */
export const READ_SHARE = envNumber('READ_SHARE', 0.5);
/** The p99 latency threshold in milliseconds. */
export const P99_MS = envNumber('P99_MS', 50);
/** The largest acceptable share of failed operations. */
export const MAX_ERROR_RATE = envNumber('MAX_ERROR_RATE', 0.01);
export const TABLE = env('TABLE', 'k6_usertable');

/** A printable 100-character field value. */
export function fieldValue(): string {
  let value = '';
  while (value.length < 100) value += Math.random().toString(36).slice(2);
  return value.slice(0, 100);
}

/** The partition key of record `n`. */
export function recordKey(n: number): string {
  return `user${n}`;
}

/** A record number chosen uniformly. */
export function randomRecord(): number {
  return Math.floor(Math.random() * RECORDS);
}
