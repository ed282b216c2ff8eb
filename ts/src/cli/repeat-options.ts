// The flags of repeated runs (docs/cli.md §3.10), AIPerf 0.13's names, kept apart from profile's
// main table so that the table stays readable; profile, sweep and k8s render take them with it.
import { MAX_DURATION_SECONDS } from '../config/limits.js';
import { CONVERGENCE_MODES, CONVERGENCE_STATS, MAX_PROFILE_RUNS, REPEAT_DEFAULTS, type RepeatOptions } from '../config/repeat-config.js';
import type { ConfigNegation } from './profile-config-file.js';
import type { OptionSpec } from './option-table.js';
import { integerIn, numberIn, parseChoice } from './option-types.js';

export const REPEAT_OPTIONS: readonly OptionSpec<RepeatOptions>[] = [
  {
    key: 'numProfileRuns',
    flags: '--num-profile-runs <n>',
    description: 'run the benchmark this many times and report mean and confidence intervals across runs',
    parser: integerIn(1, MAX_PROFILE_RUNS),
    shownDefault: REPEAT_DEFAULTS.numProfileRuns,
  },
  {
    key: 'profileRunCooldownSeconds',
    flags: '--profile-run-cooldown-seconds <s>',
    description: 'pause between two of the repeated runs',
    parser: numberIn(0, MAX_DURATION_SECONDS),
    shownDefault: REPEAT_DEFAULTS.profileRunCooldownSeconds,
  },
  {
    key: 'confidenceLevel',
    flags: '--confidence-level <p>',
    description: 'confidence level of the intervals across runs',
    parser: numberIn(0, 0.9999, { minExclusive: true }),
    shownDefault: REPEAT_DEFAULTS.confidenceLevel,
  },
  {
    key: 'convergenceMetric',
    flags: '--convergence-metric <name>',
    description: 'stop the repeated runs early once this metric is stable (e.g. request_latency)',
  },
  {
    key: 'convergenceStat',
    flags: '--convergence-stat <stat>',
    description: `statistic of --convergence-metric judged (${CONVERGENCE_STATS.join(', ')})`,
    parser: parseChoice(CONVERGENCE_STATS),
    shownDefault: REPEAT_DEFAULTS.convergenceStat,
  },
  {
    key: 'convergenceThreshold',
    flags: '--convergence-threshold <x>',
    description: 'ci-width: largest interval width / mean; cv: largest std / mean',
    parser: numberIn(0, 1000, { minExclusive: true }),
    shownDefault: 'ci-width 0.1, cv 0.05',
  },
  {
    key: 'convergenceMode',
    flags: '--convergence-mode <mode>',
    description: `how stability is judged (${CONVERGENCE_MODES.join(', ')})`,
    parser: parseChoice(CONVERGENCE_MODES),
    shownDefault: REPEAT_DEFAULTS.convergenceMode,
  },
  {
    key: 'profileRunDisableWarmupAfterFirst',
    flags: '--profile-run-disable-warmup-after-first',
    description: 'warm up in the first run only (--no-profile-run-disable-warmup-after-first: before every run)',
    shownDefault: REPEAT_DEFAULTS.profileRunDisableWarmupAfterFirst,
  },
  {
    key: 'setConsistentSeed',
    flags: '--set-consistent-seed',
    description: 'every run gets the same workload (--no-set-consistent-seed: a new seed per run unless --random-seed is given)',
    shownDefault: REPEAT_DEFAULTS.setConsistentSeed,
  },
  {
    key: 'varySeedPerTrial',
    flags: '--vary-seed-per-trial',
    description: 'derive a distinct seed for each run from --random-seed',
    shownDefault: REPEAT_DEFAULTS.varySeedPerTrial,
  },
];

/** The `--no-…` forms of the switches above, each on by default but the last. */
export const REPEAT_NEGATIONS: readonly ConfigNegation[] = [
  {
    flag: '--no-profile-run-disable-warmup-after-first',
    positive: '--profile-run-disable-warmup-after-first',
    set: (out) => (out.profileRunDisableWarmupAfterFirst = false),
  },
  { flag: '--no-set-consistent-seed', positive: '--set-consistent-seed', set: (out) => (out.setConsistentSeed = false) },
  { flag: '--no-vary-seed-per-trial', positive: '--vary-seed-per-trial', set: (out) => (out.varySeedPerTrial = false) },
];
