// The real commander program (ts/src/cli/program.ts), parsing a command line without running the
// command: every action is replaced by one that records the options. Errors come back as the
// `error: …` line and exit code the CLI would print.
import type { Command } from 'commander';
import { createProgram } from '../../ts/src/cli/program.js';
import { reportCliError } from '../../ts/src/cli/errors.js';

export type CliParse = { ok: true; command: string; options: Record<string, unknown> } | { ok: false; code: number; stderr: string };

/** Parse `argv` (without `node infermark`) as the CLI would, running nothing. */
export async function parseCli(argv: readonly string[]): Promise<CliParse> {
  const program = createProgram();
  program.configureOutput({ outputError: () => {}, writeErr: () => {}, writeOut: () => {} });
  let parsed: { command: string; options: Record<string, unknown> } | null = null;
  for (const cmd of program.commands) {
    cmd.configureOutput({ outputError: () => {}, writeErr: () => {}, writeOut: () => {} });
    cmd.action((...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      parsed = { command: command.name(), options: command.opts() };
    });
  }
  try {
    await program.parseAsync(['node', 'infermark', ...argv]);
  } catch (err) {
    let stderr = '';
    const code = reportCliError(err, { verbose: false, stderr: { write: (s: string) => (stderr += s) } });
    return { ok: false, code, stderr };
  }
  if (parsed === null) throw new Error(`no command ran for: ${argv.join(' ')}`);
  return { ok: true, ...(parsed as { command: string; options: Record<string, unknown> }) };
}

/** The commands of the real program, for tests that look at their option tables. */
export function programCommands(): readonly Command[] {
  return createProgram().commands;
}
