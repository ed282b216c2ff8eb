// The user:password of a URL (`http://user:pw@host`, docs/cli.md §3.1): taken out of the address,
// which is then shown and exported without it, and sent as `Authorization: Basic …` (RFC 7617);
// the HTTP client would otherwise drop it silently. Also the redaction of such credentials in
// text that is shown (command lines, messages).
import { UsageError } from '../errors.js';

/** What stands for a URL's user:password wherever the URL is shown. */
const HIDDEN = '***';

/**
 * The scheme (optional) and the authority of a URL written as text. As the WHATWG URL parser
 * does for http(s), the authority ends at the first `/`, `\`, `?` or `#`, and the user:password
 * runs to its last `@`.
 */
const LEADING_AUTHORITY = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/\\?#]*)/;

/** A URL without its user:password, and the Authorization header value that carries them. */
export interface UrlCredentials {
  /** The URL as written, minus `user:password@`. */
  url: string;
  /** `Basic base64(user:password)`, or null when the URL has no user:password. */
  authorization: string | null;
}

/** `user:password@` of a URL written as text, as [start, end) offsets, or null. */
function userinfoSpan(text: string): [number, number] | null {
  const m = LEADING_AUTHORITY.exec(text)!;
  const at = m[2]!.lastIndexOf('@');
  if (at < 0) return null;
  const start = m[1]?.length ?? 0;
  return [start, start + at + 1];
}

/** The percent-decoded user or password of a parsed URL (the parser keeps them encoded). */
function decoded(part: string, flag: string, shown: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new UsageError(`option '${flag}': invalid percent-encoding in the user:password of '${shown}'`);
  }
}

/**
 * Split the user:password off `url` (an http(s) URL, scheme optional, already checked). Both are
 * percent-decoded and sent as RFC 7617 Basic credentials, UTF-8 encoded; an empty userinfo
 * (`http://@host`) is dropped and sends nothing.
 */
export function takeUrlCredentials(url: string, flag: string): UrlCredentials {
  const span = userinfoSpan(url);
  if (span === null) return { url, authorization: null };
  const bare = url.slice(0, span[0]) + url.slice(span[1]);
  const parsed = new URL(span[0] > 0 ? url : `http://${url}`);
  if (parsed.username === '' && parsed.password === '') return { url: bare, authorization: null };
  const shown = redactUrl(url);
  const pair = `${decoded(parsed.username, flag, shown)}:${decoded(parsed.password, flag, shown)}`;
  return { url: bare, authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}

/** One URL written as text, scheme optional (as `--url` takes it), with its user:password shown as `***`. */
export function redactUrl(text: string): string {
  const span = userinfoSpan(text);
  return span === null ? text : `${text.slice(0, span[0])}${HIDDEN}@${text.slice(span[1])}`;
}

/** Every `scheme://user:password@` in `text` with the user:password shown as `***`. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/\\?#\s,]*@/g, `$1${HIDDEN}@`);
}
