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
  for (const { name, command: cmd } of programCommandPaths(program)) {
    cmd.configureOutput({ outputError: () => {}, writeErr: () => {}, writeOut: () => {} });
    // A command with subcommands (`k8s`) keeps its dispatch; only the commands that run are replaced.
    if (cmd.commands.length > 0) continue;
    cmd.action((...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      parsed = { command: name, options: command.opts() };
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

/** Every command of `program` at any depth, named as typed (`profile`, `k8s render`). */
export function programCommandPaths(program: Command = createProgram()): Array<{ name: string; command: Command }> {
  const walk = (cmd: Command, prefix: string): Array<{ name: string; command: Command }> =>
    cmd.commands.flatMap((sub) => {
      const name = `${prefix}${sub.name()}`;
      return [{ name, command: sub }, ...walk(sub, `${name} `)];
    });
  return walk(program, '');
}
