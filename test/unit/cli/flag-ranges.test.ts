// docs/cli.md §1.5: every numeric flag of every command has one range, and the table in the docs
// is the program's. Each row's minimum and maximum are accepted and the values just outside refused
// (exit 2, a message naming the flag, the value and the range) by the real commander program.
// Issue 16 defect 4: `--isl 2000000000`, `--slice-duration 1e-10` and friends were accepted.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseSeed, RANGE, type RangedParser } from '../../../ts/src/cli/option-types.js';
import { parseCli, programCommandPaths } from '../../helpers/cli-parse.js';

interface Row {
  command: string;
  flag: string;
  kind: string;
  range: string;
}

const ROW = /^\| `([a-z0-9 -]+)` \| `(--[a-z0-9-]+)` \| ([a-z ]+) \| (.+) \|$/;

function docRows(): Row[] {
  const doc = readFileSync(resolve(__dirname, '../../../docs/cli.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### 1.5 '), doc.indexOf('## 2. Commands'));
  return section
    .split('\n')
    .map((line) => ROW.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ command: m[1]!, flag: m[2]!, kind: m[3]!, range: m[4]! }));
}

const RANGE_TEXT = /^`([[(])([^,]+), ([^\]]+)\]( or inf)?`$/;

/** Arguments to put a flag's value on a command line that gets as far as parsing it. */
function argv(command: string, flag: string, value: string): string[] {
  // `plot --port` is the dashboard's port and needs `--dashboard`.
  if (command === 'plot' && flag === '--port') return [command, '--dashboard', `${flag}=${value}`];
  // `merge` needs its shard directories and `--output`.
  if (command === 'merge') return [command, 'shard-0', '-o', 'merged', `${flag}=${value}`];
  // `k8s render` is a subcommand.
  return [...command.split(' '), `${flag}=${value}`];
}

function allOptions(): Array<{ command: string; option: Option }> {
  return programCommandPaths().flatMap(({ name, command }) => command.options.map((option) => ({ command: name, option })));
}

/** `sweep` and `k8s render` take profile's flags with profile's very parsers: they are documented once, as profile's rows. */
function sharedWithProfile(command: string, option: Option): boolean {
  if (command !== 'sweep' && command !== 'k8s render') return false;
  const own = allOptions().find((o) => o.command === 'profile' && o.option.long === option.long)?.option;
  return own !== undefined && own.parseArg === option.parseArg;
}

function options(): Array<{ command: string; option: Option }> {
  return allOptions().filter(({ command, option }) => !sharedWithProfile(command, option));
}

const rows = docRows();
const ranged = rows.filter((r) => r.kind === 'integer' || r.kind === 'number');

describe('the numeric flag ranges of docs/cli.md §1.5', () => {
  it('lists every numeric flag of every command once, with the type and range its parser checks', () => {
    const inProgram = options()
      .filter(({ option }) => !option.hidden && (option.parseArg as RangedParser | undefined)?.[RANGE] !== undefined)
      .map(({ command, option }) => {
        const r = (option.parseArg as RangedParser)[RANGE];
        const text = `\`${r.minExclusive ? '(' : '['}${r.min}, ${r.max}]${r.allowInfinity ? ' or inf' : ''}\``;
        return `${command} ${option.long} ${r.kind} ${text}`;
      });
    const seeds = options()
      .filter(({ option }) => option.parseArg === parseSeed)
      .map(({ command, option }) => `${command} ${option.long} integer \`[0, 18446744073709551615]\``);
    const documented = ranged.map((r) => `${r.command} ${r.flag} ${r.kind} ${r.range}`);
    expect([...documented].sort()).toEqual([...inProgram, ...seeds].sort());
    expect(new Set(documented).size).toBe(documented.length);
    // About 80 flags: the count is part of the contract that nothing numeric is left unranged.
    expect(rows.length).toBeGreaterThanOrEqual(80);
  });

  it("gives sweep every profile flag with profile's parser, except the two it takes as lists and --print-config", () => {
    const profile = allOptions().filter((o) => o.command === 'profile' && o.option.long !== '--print-config');
    const sweep = allOptions().filter((o) => o.command === 'sweep');
    const lists = new Set(['--concurrency', '--request-rate']);
    for (const { option } of profile) {
      const theirs = sweep.find((o) => o.option.long === option.long)?.option;
      expect(theirs, `sweep ${option.long}`).toBeDefined();
      if (!lists.has(option.long!)) expect(theirs?.parseArg, `sweep ${option.long}`).toBe(option.parseArg);
    }
  });

  it('documents the exact multipliers, which the core parses (no commander parser)', () => {
    const multipliers = rows.filter((r) => r.kind === 'exact multiplier');
    expect(multipliers.length).toBe(8);
    for (const m of multipliers) {
      const option = options().find((o) => o.command === m.command && o.option.long === m.flag)?.option;
      expect(option, `${m.command} ${m.flag}`).toBeDefined();
      expect(option?.parseArg).toBeUndefined();
    }
  });

  for (const row of ranged) {
    const m = RANGE_TEXT.exec(row.range);
    if (!m) throw new Error(`unreadable range ${row.range}`);
    const [, open, minText, maxText, inf] = m;
    const min = Number(minText);
    const max = Number(maxText);
    it(`${row.command} ${row.flag}: accepts ${open}${minText}, ${maxText}] and refuses the values just outside`, async () => {
      const accepted = row.kind === 'integer' || open === '[' ? [minText!] : [String(min + 1e-6)];
      accepted.push(maxText!);
      // Whitespace and a leading `+` are accepted alike by every flag.
      accepted.push(` +${maxText}`);
      if (inf) accepted.push('inf');
      for (const v of accepted) {
        const r = await parseCli(argv(row.command, row.flag, v));
        expect(r.ok ? 'ok' : r.stderr, `${row.flag}=${v}`).toBe('ok');
      }
      const below =
        row.kind === 'integer' ? (BigInt(minText!) - 1n).toString() : open === '(' ? minText! : String(min - Math.max(min * 1e-3, 1e-9));
      const above = row.kind === 'integer' ? (BigInt(maxText!) + 1n).toString() : String(max + Math.max(max * 1e-6, 1e-9));
      for (const v of [below, above, 'abc', '']) {
        const r = await parseCli(argv(row.command, row.flag, v));
        expect(r.ok, `${row.flag}=${v}`).toBe(false);
        if (r.ok) continue;
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(
          // A flag with a short form (`-b, --prompt-batch-size`) is named by both.
          new RegExp(
            `^error: option '(-[a-zA-Z], )?${row.flag} <[^>]+>': expected an? (integer|number) in .*, got '${v.replace(/[.+]/g, '\\$&')}'\\n$`,
          ),
        );
        if (row.flag !== '--random-seed') expect(r.stderr).toContain(row.range.slice(1, row.range.indexOf(']') + 1));
      }
    });
  }
});
