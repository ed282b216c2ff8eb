// `profile --print-config` (docs/cli.md §3.9): the options in effect — config file, then flags,
// then the fixed defaults of config/defaults.ts — as YAML that `--config` reads back, with the
// API key, secret header values and URL passwords replaced by `***`.
import { stringify } from 'yaml';
import { PROFILE_DEFAULTS } from '../config/defaults.js';
import type { ProfileOptions } from '../config/profile-config.js';
import { redactConfigForDisplay } from '../report/redact.js';
import { configKeyOf, type ConfigNegation } from './profile-config-file.js';
import type { OptionSpec } from './option-table.js';

/**
 * The given options as keys, in the table's order, then the fixed defaults of the options not
 * given as comments: a default written as a key would count as given, and several rules of
 * docs/cli.md §3.6 depend on what was given (`arrival_pattern` needs `request_rate`), so the
 * text reads back as the same run. Defaults that depend on other options (`request_count`) are
 * not listed.
 */
export function formatEffectiveConfig(
  options: ProfileOptions,
  table: readonly OptionSpec<ProfileOptions>[],
  negations: readonly ConfigNegation[],
): string {
  const given = options as Record<string, unknown>;
  const defaults = PROFILE_DEFAULTS as Record<string, unknown>;
  const set: Record<string, unknown> = {};
  const defaulted: Record<string, unknown> = {};
  for (const spec of table) {
    const key = configKeyOf(spec.flags);
    if (given[spec.key] !== undefined) set[key] = spec.negate ? given[spec.key] === false : given[spec.key];
    else if (defaults[spec.key] !== undefined) defaulted[key] = defaults[spec.key];
  }
  for (const n of negations) {
    const probe: Record<string, unknown> = {};
    n.set(probe);
    const [field, setTo] = Object.entries(probe)[0] ?? [];
    // `fixed_schedule: false` already says what `no_fixed_schedule: true` would.
    if (field !== undefined && given[field] === setTo && !(configKeyOf(n.positive) in set)) set[configKeyOf(n.flag)] = true;
  }
  let text = Object.keys(set).length === 0 ? '{}\n' : stringify(redactConfigForDisplay(set));
  if (Object.keys(defaulted).length > 0) {
    const lines = stringify(defaulted).trimEnd().split('\n');
    text += `# defaults in effect:\n${lines.map((l) => `# ${l}\n`).join('')}`;
  }
  return text;
}
