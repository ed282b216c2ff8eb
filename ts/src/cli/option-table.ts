// Option tables: one row per flag, keyed by the field of the options type it fills, with a parser
// whose result type must be that field's type. Commands register their flags from a table, so a
// flag cannot exist without a typed field and help texts take defaults from the defaults tables.
import { Option, type Command } from 'commander';
import type { OptionParser } from './option-types.js';

/** One flag of an options type `T`: the parser's result must be assignable to `T[key]`. */
export type OptionSpec<T> = {
  [K in keyof T & string]-?: {
    /** The field this flag fills; commander's attribute name of `flags` must equal it (checked). */
    key: K;
    flags: string;
    description: string;
    parser?: OptionParser<NonNullable<T[K]>>;
    /** AIPerf-compatible alias spellings (long flags, same value syntax), hidden from the help. */
    aliases?: readonly string[];
    /** The default the help shows; applied later by the config resolution, not by commander. */
    shownDefault?: string | number | bigint | boolean;
    /** A default commander applies itself (shown as `(default: …)`). */
    default?: T[K];
    /** `--no-x` flags fill `x` with false; their attribute name is the positive one. */
    negate?: boolean;
    hidden?: boolean;
  };
}[keyof T & string];

/** The commander attribute name of a flag spelling. */
export function attributeOf(flags: string): string {
  return new Option(flags).attributeName();
}

/**
 * Register every row of `table` (and its hidden aliases) on `cmd`. With `defaults`, commander
 * applies `defaults[key]` to a row that has no default of its own (and shows it in the help).
 */
export function addOptionTable<T>(cmd: Command, table: readonly OptionSpec<T>[], defaults: Partial<T> = {}): void {
  for (const spec of table) {
    // Same shape as commander's own `(default: …)`.
    const shown = spec.shownDefault === undefined ? '' : ` (default: ${String(spec.shownDefault)})`;
    const opt = new Option(spec.flags, `${spec.description}${shown}`);
    if (spec.parser) opt.argParser(spec.parser);
    // A plain switch needs no `false` default (and commander would print one).
    const isSwitch = !/[<[]/.test(spec.flags);
    const value =
      spec.default !== undefined
        ? spec.default
        : spec.negate || (isSwitch && defaults[spec.key] === false)
          ? undefined
          : defaults[spec.key];
    if (value !== undefined) opt.default(value, typeof value === 'bigint' ? String(value) : undefined);
    if (spec.hidden) opt.hideHelp();
    if (!spec.negate && opt.attributeName() !== spec.key) {
      throw new Error(`option table: ${spec.flags} maps to ${opt.attributeName()}, not ${spec.key}`);
    }
    cmd.addOption(opt);
    for (const alias of spec.aliases ?? []) {
      const placeholder = spec.flags.match(/<[^>]+>/)?.[0];
      const aliasOpt = new Option(placeholder ? `${alias} ${placeholder}` : alias, `alias of ${spec.flags}`).hideHelp();
      if (spec.parser) aliasOpt.argParser(spec.parser);
      cmd.addOption(aliasOpt);
    }
  }
}

/** Whether the user set the option with attribute `name` (on the command line or from the environment). */
export function givenByUser(command: Command, name: string): boolean {
  const source = command.getOptionValueSource(name);
  return source === 'cli' || source === 'env';
}
