// Declarative, validated configuration from command-line flags and environment variables.
//
// Every setting has a flag (`--admin-port`), an environment variable
// (`TESSERA_ADMIN_PORT`), a default and a description, declared in one table per service.
// A flag wins over the environment, which wins over the default. Anything invalid — an
// unknown flag, a value of the wrong shape, a number out of range — is reported as one line
// naming the setting, the value and what is accepted, before the service listens on
// anything.

/** The outcome of parsing one raw value. */
export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

/** One setting: where it comes from, its default, and how to read it. */
export interface Setting<T> {
  /** The flag's name without dashes, for example `admin-port`. */
  readonly flag: string;
  /** The environment variable, for example `TESSERA_ADMIN_PORT`. */
  readonly env: string;
  readonly default: T;
  readonly description: string;
  /** What values are accepted, in words, for error messages and help. */
  readonly accepted: string;
  /** Whether `--flag` alone (no value) means true. */
  readonly isBoolean: boolean;
  /** Reads a raw string. */
  parse(raw: string): ParseResult<T>;
}

/** A table of settings, keyed by the name the service uses in code. */
export type SettingsSpec = Readonly<Record<string, Setting<unknown>>>;

/** The parsed values of a settings table. */
export type SettingsOf<S extends SettingsSpec> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

interface Common {
  readonly flag: string;
  readonly env: string;
  readonly description: string;
}

/** A string setting, optionally restricted by a pattern. */
export function stringSetting(
  options: Common & {
    readonly default: string;
    readonly pattern?: RegExp;
    readonly accepted?: string;
  },
): Setting<string> {
  const pattern = options.pattern;
  return {
    ...options,
    accepted: options.accepted ?? (pattern ? `a string matching ${String(pattern)}` : 'any string'),
    isBoolean: false,
    parse: (raw) =>
      pattern === undefined || pattern.test(raw) ? { ok: true, value: raw } : { ok: false },
  };
}

/** An integer setting within [min, max]. */
export function integerSetting(
  options: Common & { readonly default: number; readonly min: number; readonly max: number },
): Setting<number> {
  return {
    ...options,
    accepted: `an integer from ${options.min} to ${options.max}`,
    isBoolean: false,
    parse: (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return { ok: false };
      const value = Number(raw);
      return Number.isSafeInteger(value) && value >= options.min && value <= options.max
        ? { ok: true, value }
        : { ok: false };
    },
  };
}

/** A TCP port; 0 asks the system for a free one. */
export function portSetting(options: Common & { readonly default: number }): Setting<number> {
  return integerSetting({ ...options, min: 0, max: 65535 });
}

/** A boolean setting: true/false (also 1/0, yes/no); `--flag` alone means true. */
export function booleanSetting(options: Common & { readonly default: boolean }): Setting<boolean> {
  const values: Record<string, boolean> = {
    true: true,
    '1': true,
    yes: true,
    false: false,
    '0': false,
    no: false,
  };
  return {
    ...options,
    accepted: 'true or false',
    isBoolean: true,
    parse: (raw) => {
      const value = values[raw.trim().toLowerCase()];
      return value === undefined ? { ok: false } : { ok: true, value };
    },
  };
}

/** One of a fixed list of values. */
export function enumSetting<const T extends string>(
  options: Common & { readonly default: NoInfer<T>; readonly values: readonly T[] },
): Setting<T> {
  return {
    ...options,
    accepted: `one of ${options.values.join(', ')}`,
    isBoolean: false,
    parse: (raw) =>
      (options.values as readonly string[]).includes(raw)
        ? { ok: true, value: raw as T }
        : { ok: false },
  };
}

/** A comma-separated list of non-empty strings (empty input means an empty list). */
export function listSetting(
  options: Common & { readonly default: readonly string[]; readonly itemPattern?: RegExp },
): Setting<readonly string[]> {
  const pattern = options.itemPattern;
  return {
    ...options,
    accepted: pattern ? `a comma-separated list of ${String(pattern)}` : 'a comma-separated list',
    isBoolean: false,
    parse: (raw) => {
      const items = raw.trim() === '' ? [] : raw.split(',').map((item) => item.trim());
      const valid = items.every(
        (item) => item !== '' && (pattern === undefined || pattern.test(item)),
      );
      return valid ? { ok: true, value: items } : { ok: false };
    },
  };
}

/** The outcome of reading a whole settings table. */
export type SettingsResult<S extends SettingsSpec> =
  | { readonly ok: true; readonly value: SettingsOf<S>; readonly help: boolean }
  | { readonly ok: false; readonly error: string };

/** Limits on what is read, so a hostile command line cannot make parsing costly. */
const argumentsMax = 256;

/**
 * Reads every setting of `spec` from `argv` (flags, `--name=value` or `--name value`) and
 * `env`. `--help` is accepted and reported in the result.
 */
export function parseSettings<S extends SettingsSpec>(
  spec: S,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SettingsResult<S> {
  if (argv.length > argumentsMax)
    return { ok: false, error: `too many arguments (at most ${argumentsMax})` };
  const byFlag = new Map<string, [string, Setting<unknown>]>();
  for (const [key, setting] of Object.entries(spec)) byFlag.set(setting.flag, [key, setting]);
  const flagValues = new Map<string, string>();
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    if (argument === '--help' || argument === '-h') {
      help = true;
      continue;
    }
    if (!argument.startsWith('--')) {
      return {
        ok: false,
        error: `unexpected argument "${argument}": settings are given as --name=value`,
      };
    }
    const equals = argument.indexOf('=');
    const name = argument.slice(2, equals === -1 ? undefined : equals);
    const entry = byFlag.get(name);
    if (entry === undefined) {
      const known = [...byFlag.keys()].map((flag) => `--${flag}`).join(', ');
      return { ok: false, error: `unknown flag --${name}; accepted flags: ${known}, --help` };
    }
    let raw: string | undefined = equals === -1 ? undefined : argument.slice(equals + 1);
    if (raw === undefined) {
      const next = argv[index + 1];
      if (entry[1].isBoolean && (next === undefined || next.startsWith('--'))) raw = 'true';
      else if (next === undefined)
        return { ok: false, error: `flag --${name} needs a value: ${entry[1].accepted}` };
      else {
        raw = next;
        index++;
      }
    }
    flagValues.set(entry[0], raw);
  }
  const value: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(spec)) {
    const fromFlag = flagValues.get(key);
    const fromEnv = env[setting.env];
    const raw = fromFlag ?? fromEnv;
    if (raw === undefined) {
      value[key] = setting.default;
      continue;
    }
    const parsed = setting.parse(raw);
    if (!parsed.ok) {
      const source = fromFlag !== undefined ? `--${setting.flag}` : setting.env;
      return {
        ok: false,
        error: `invalid setting ${source}: ${JSON.stringify(raw)} is not ${setting.accepted}`,
      };
    }
    value[key] = parsed.value;
  }
  return { ok: true, value: value as SettingsOf<S>, help };
}

/** A readable table of every setting, for `--help` and for docs. */
export function describeSettings(spec: SettingsSpec): string {
  const lines = Object.values(spec).map((setting) => {
    const fallback = JSON.stringify(setting.default);
    return `  --${setting.flag} (${setting.env}, default ${fallback})\n      ${setting.description}; ${setting.accepted}`;
  });
  return lines.join('\n');
}
