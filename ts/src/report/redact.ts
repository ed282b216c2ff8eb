// Secret redaction for every file and log line (docs/exports.md §4.1): the API key, the values
// of credential-like headers and the user:password of URLs never reach disk.
import { redactUrl, redactUrlCredentials } from '../config/url-credentials.js';

export const REDACTED = '***';

const EXACT = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);
const PARTS = ['token', 'secret', 'key'];

/** Whether a header's value must be redacted, by its name (case-insensitive). */
export function isSecretHeader(name: string): boolean {
  const n = name.trim().toLowerCase();
  return EXACT.has(n) || PARTS.some((p) => n.includes(p));
}

/** A copy of `headers` with secret values replaced by `***`. */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = isSecretHeader(k) ? REDACTED : v;
  return out;
}

/**
 * One `-H` argument with its secret values masked: a JSON object stays the same JSON object
 * (values of other types kept as they are), `Name:Value` keeps its name.
 */
function redactHeaderArg(arg: string): string {
  const trimmed = arg.trim();
  if (trimmed.startsWith('{')) {
    try {
      const obj = JSON.parse(trimmed) as unknown;
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        return JSON.stringify(Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, isSecretHeader(k) ? REDACTED : v])));
      }
    } catch {
      // Not JSON (profile rejects it before any traffic): the Name:Value rule below applies.
    }
  }
  const colon = arg.indexOf(':');
  if (colon > 0 && isSecretHeader(arg.slice(0, colon))) return `${arg.slice(0, colon)}: ${REDACTED}`;
  return arg;
}

/** A `--url` or `--server-metrics` value: a list of URLs, each with its user:password masked. */
function redactUrlList(arg: string): string {
  return arg.replace(/[^\s,]+/g, redactUrl);
}

/** The flags whose value is masked, by how: every spelling (`-u`, `--url`) maps to one rule. */
const VALUE_RULES: ReadonlyMap<string, (value: string) => string> = new Map([
  ['--api-key', () => REDACTED],
  ['-H', redactHeaderArg],
  ['--header', redactHeaderArg],
  ['-u', redactUrlList],
  ['--url', redactUrlList],
  ['--server-metrics', redactUrlList],
]);

/** One flag with its value attached (`--flag=value`, `-Xvalue`) → [flag, value], or null. */
function attached(arg: string): [string, string] | null {
  const eq = arg.indexOf('=');
  if (arg.startsWith('--') && eq > 0) return [arg.slice(0, eq + 1), arg.slice(eq + 1)];
  if (/^-[A-Za-z]./.test(arg)) return [arg.slice(0, 2), arg.slice(2)];
  return null;
}

/**
 * Redact a command line given as argv: the value of `--api-key`, the values of secret `-H/--header`
 * arguments and the user:password of `--url`/`--server-metrics` URLs become `***`, in the
 * `--flag value`, `--flag=value` and `-Xvalue` forms; any other URL's user:password too.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const rule = VALUE_RULES.get(a);
    if (rule !== undefined) {
      out.push(a);
      if (i + 1 < argv.length) out.push(rule(argv[++i]!));
      continue;
    }
    const pair = attached(a);
    const attachedRule = pair && VALUE_RULES.get(pair[0].replace(/=$/, ''));
    out.push(pair && attachedRule ? `${pair[0]}${attachedRule(pair[1])}` : redactUrlCredentials(a));
  }
  return out;
}

/** Shell-quote one argument for display (`'…'` when it has special characters). */
function shellQuote(a: string): string {
  // `***` is shown bare (it is a display string, never re-run by a shell).
  const probe = a.split(REDACTED).join('x');
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(probe) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The redacted command line as one display string. */
export function formatCliCommand(argv: readonly string[]): string {
  return redactArgv(argv).map(shellQuote).join(' ');
}

/**
 * Last line of defence: replaces every occurrence of a known secret value in any text
 * written to disk or the console (error messages, logs, echoed bodies).
 */
export class SecretScrubber {
  private readonly secrets: string[];
  constructor(secrets: Iterable<string | null | undefined>) {
    // Longest first so a secret containing another is replaced whole; ignore trivially short
    // values that would mangle unrelated text.
    this.secrets = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /**
   * Secrets from an API key, the values of secret headers (including `Bearer <key>`) and other
   * Authorization values sent (a URL's `Basic …`). Basic credentials add their password, or their
   * user when the password is empty.
   */
  static from(
    apiKey: string | null | undefined,
    headers: Readonly<Record<string, string>> = {},
    authorizations: ReadonlyArray<string | null> = [],
  ): SecretScrubber {
    const values: string[] = [];
    if (apiKey) values.push(apiKey);
    const secretValues = [
      ...Object.entries(headers)
        .filter(([k]) => isSecretHeader(k))
        .map(([, v]) => v),
      ...authorizations.filter((a): a is string => a !== null),
    ];
    for (const v of secretValues) {
      values.push(v);
      const m = /^\s*(Bearer|Basic|Token)\s+(.+)$/i.exec(v);
      if (!m) continue;
      const credentials = m[2]!.trim();
      values.push(credentials);
      if (m[1]!.toLowerCase() === 'basic') {
        // user:password; without a password the user is the secret (a token given as `token@host`).
        const pair = Buffer.from(credentials, 'base64').toString('utf8');
        const colon = pair.indexOf(':');
        const password = colon < 0 ? '' : pair.slice(colon + 1);
        values.push(pair, password === '' ? pair.slice(0, colon < 0 ? pair.length : colon) : password);
      }
    }
    return new SecretScrubber(values);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }
}

/**
 * Words of a command line as a POSIX shell splits it: blanks separate, `'…'` is literal, `"…"` and
 * `\` escape. `cli_command` is stored as one display string (ours quotes with `'…'`, AIPerf's may
 * use either), so it must be split before its flags can be redacted again.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      const stop = end < 0 ? text.length : end;
      word = (word ?? '') + text.slice(i + 1, stop);
      i = stop;
    } else if (c === '"') {
      word ??= '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) i++;
        word += text[i]!;
      }
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i]!;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** A command line given as one string, with the secrets of `redactArgv` masked again. */
export function redactCommandLine(text: string): string {
  return formatCliCommand(shellWords(text));
}

/** Configuration keys whose value is a secret whatever it holds (`api_key`, `password`, `client_secret`, `auth_token`). */
const SECRET_CONFIG_KEY = /(^|[_-])(api[_-]?key|apikey|password|secret|token)$/i;

/**
 * A run's `input_config` as read back from a summary file, made safe to show (`plot`'s report and
 * dashboard, docs/cli.md §7). The file was redacted when written, but it may come from an older
 * version, from AIPerf, or have been edited: every rule of this module is applied again, to any
 * shape. Secret keys, secret header values (objects or `-H` strings), `cli_command` flags, and
 * any URL's user:password become `***`.
 */
export function redactConfigForDisplay(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map(redactConfigForDisplay);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_CONFIG_KEY.test(k) && v !== null && v !== '' && v !== false) out[k] = REDACTED;
    else if (/^(headers?|extra_headers)$/i.test(k)) out[k] = redactHeadersForDisplay(v);
    else if (k === 'cli_command' && typeof v === 'string') out[k] = redactCommandLine(v);
    else out[k] = redactConfigForDisplay(v);
  }
  return out;
}

/** Headers as an object (secret names → `***`) or as `-H` strings (`Name: ***`). */
function redactHeadersForDisplay(value: unknown): unknown {
  if (typeof value === 'string') return redactUrlCredentials(redactHeaderArg(value));
  if (Array.isArray(value)) return value.map(redactHeadersForDisplay);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, isSecretHeader(k) && v !== null ? REDACTED : redactConfigForDisplay(v)]),
  );
}
