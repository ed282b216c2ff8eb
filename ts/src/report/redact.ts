// Secret redaction for every file and log line (docs/exports.md §4.1): the API key and the values
// of credential-like headers never reach disk.

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

/** `Name:Value` (or `Name: Value`) header argument → redacted when the name is secret. */
function redactHeaderArg(arg: string): string {
  const colon = arg.indexOf(':');
  if (colon > 0 && isSecretHeader(arg.slice(0, colon))) return `${arg.slice(0, colon)}: ${REDACTED}`;
  const trimmed = arg.trim();
  if (trimmed.startsWith('{')) {
    try {
      const obj = JSON.parse(trimmed) as unknown;
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        return JSON.stringify(redactHeaders(Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, String(v)]))));
      }
    } catch {
      // Not JSON: fall through and redact nothing more here; value scrubbing still applies.
    }
  }
  return arg;
}

/**
 * Redact a command line given as argv: the value of `--api-key` and of secret `-H/--header`
 * arguments become `***` (both `--flag value` and `--flag=value` forms).
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--api-key') {
      out.push(a);
      if (i + 1 < argv.length) {
        out.push(REDACTED);
        i++;
      }
    } else if (a.startsWith('--api-key=')) {
      out.push(`--api-key=${REDACTED}`);
    } else if (a === '-H' || a === '--header') {
      out.push(a);
      if (i + 1 < argv.length) {
        out.push(redactHeaderArg(argv[i + 1]!));
        i++;
      }
    } else if (a.startsWith('--header=')) {
      out.push(`--header=${redactHeaderArg(a.slice('--header='.length))}`);
    } else {
      out.push(a);
    }
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

  /** Secrets from an API key and the values of secret headers (including `Bearer <key>`). */
  static from(apiKey: string | null | undefined, headers: Readonly<Record<string, string>> = {}): SecretScrubber {
    const values: string[] = [];
    if (apiKey) values.push(apiKey);
    for (const [k, v] of Object.entries(headers)) {
      if (!isSecretHeader(k)) continue;
      values.push(v);
      const m = /^\s*(?:Bearer|Basic|Token)\s+(.+)$/i.exec(v);
      if (m) values.push(m[1]!.trim());
    }
    return new SecretScrubber(values);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }
}
