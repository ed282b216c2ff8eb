// Whether a stream gets ANSI colours (docs/cli.md §1.1).

/** Colour rule of docs/cli.md §1.1: a TTY without NO_COLOR, or FORCE_COLOR set. */
export function colourEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  return Boolean(stream.isTTY) && env.NO_COLOR === undefined;
}
