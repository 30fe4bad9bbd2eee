/**
 * Typed configuration, read once at start-up from flags, environment variables and defaults
 * (in that order of precedence). A bad value fails fast with the setting's name and the value.
 */

export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`invalid ${setting}=${JSON.stringify(value)}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

/** Thrown for --help; main prints the text and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super('help requested');
    this.name = 'HelpRequested';
  }
}

export interface Setting<T> {
  /** Environment variable name, e.g. KAFKA_BROKERS; the flag is derived: --kafka-brokers. */
  env: string;
  description: string;
  /** Default when neither flag nor env var is given; `undefined` makes the setting required. */
  default?: T;
  parse: (raw: string) => T;
  /** What a valid value looks like, for error messages and --help. */
  expected: string;
}

export type Spec = Record<string, Setting<unknown>>;
export type ConfigOf<S extends Spec> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** A parser that throws a plain Error; wrapped into ConfigError by readConfig. */
type Parser<T> = (raw: string) => T;

export function setting<T>(env: string, description: string, expected: string, parse: Parser<T>, defaultValue?: T): Setting<T> {
  return defaultValue === undefined ? { env, description, expected, parse } : { env, description, expected, parse, default: defaultValue };
}

export const parsers = {
  // Each parser's error says what is wrong with the value; readConfig adds it to the expected form.
  string: (raw: string): string => {
    if (raw.trim() === '') throw new Error('empty');
    return raw.trim();
  },
  integer:
    (min: number, max = Number.MAX_SAFE_INTEGER) =>
    (raw: string): number => {
      if (!/^-?\d+$/.test(raw.trim())) throw new Error('not a whole number');
      const n = Number(raw);
      if (n < min || n > max) throw new Error(outsideRange(n, min, max, Number.MAX_SAFE_INTEGER));
      return n;
    },
  number:
    (min: number, max = Number.POSITIVE_INFINITY) =>
    (raw: string): number => {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new Error('not a number');
      if (n < min || n > max) throw new Error(outsideRange(n, min, max, Number.POSITIVE_INFINITY));
      return n;
    },
  boolean: (raw: string): boolean => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error('not one of 1, true, yes, on, 0, false, no, off');
  },
  oneOf:
    <T extends string>(...choices: T[]) =>
    (raw: string): T => {
      const v = raw.trim() as T;
      if (!choices.includes(v)) throw new Error('not one of these');
      return v;
    },
  brokers: (raw: string): string[] => {
    const list = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (list.length === 0) throw new Error('empty');
    for (const b of list) {
      const m = /^([^:\s]+):(\d{1,5})$/.exec(b);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new Error(`bad broker ${b}`);
    }
    return list;
  },
  /** A Kafka topic name as the broker accepts it. */
  topic: (raw: string): string => {
    const t = raw.trim();
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(t) || t === '.' || t === '..') throw new Error('not a Kafka topic name');
    return t;
  },
};

function outsideRange(n: number, min: number, max: number, unbounded: number): string {
  return max === unbounded ? `${n} is below ${min}` : `${n} is outside ${min}..${max}`;
}

function flagName(env: string): string {
  return '--' + env.toLowerCase().replace(/_/g, '-');
}

/** Parses argv flags of the form --name=value or --name value; bare --name means "true". */
function parseFlags(argv: readonly string[], spec: Spec): Map<string, string> {
  const byFlag = new Map<string, string>();
  for (const s of Object.values(spec)) byFlag.set(flagName(s.env), s.env);
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ConfigError('argument', arg, 'a --flag (see --help)');
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const env = byFlag.get(flag);
    if (env === undefined) throw new ConfigError('flag', flag, 'a known flag (see --help)');
    if (eq !== -1) {
      out.set(env, arg.slice(eq + 1));
    } else {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        out.set(env, next);
        i++;
      } else {
        out.set(env, 'true');
      }
    }
  }
  return out;
}

export function helpText(service: string, summary: string, spec: Spec): string {
  const rows = Object.values(spec).map((s) => {
    const def = s.default === undefined ? '(required)' : `default ${formatDefault(s.default)}`;
    return `  ${flagName(s.env)}, ${s.env}\n      ${s.description} — ${s.expected}; ${def}`;
  });
  return `${service}: ${summary}\n\nEvery setting is a flag or an environment variable (the flag wins):\n${rows.join('\n')}\n`;
}

function formatDefault(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.join(',');
  if (v === '') return 'none';
  return String(v);
}

/**
 * Reads the spec from argv and env. Throws HelpRequested on --help/-h and ConfigError on the
 * first invalid value.
 */
export function readConfig<S extends Spec>(
  service: string,
  summary: string,
  spec: S,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): ConfigOf<S> {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested(helpText(service, summary, spec));
  const flags = parseFlags(argv, spec);
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(spec)) {
    const raw = flags.get(s.env) ?? env[s.env];
    if (raw === undefined || raw === '') {
      if (s.default === undefined) throw new ConfigError(s.env, raw ?? '', `${s.expected} (required)`);
      out[key] = s.default;
      continue;
    }
    try {
      out[key] = s.parse(raw);
    } catch (e) {
      throw new ConfigError(s.env, raw, `${s.expected} (${(e as Error).message})`);
    }
  }
  return out as ConfigOf<S>;
}
