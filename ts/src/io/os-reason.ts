// The operating system's reason of a failed file operation, for one-line error messages.

/** The operating system's reason of an fs error, without Node's `CODE:` prefix and `, syscall 'path'` suffix. */
export function osReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /^[A-Z]+: (.*?)(?:, \w+(?: '.*')?)?$/.exec(message);
  return m?.[1] ?? message;
}
