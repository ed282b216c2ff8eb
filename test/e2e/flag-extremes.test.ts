// Issue 16 defect 4: huge or tiny flag values hung or crashed `profile` before any traffic
// (`--isl-stddev 1e9`, `--isl 2000000000`, `--num-sessions 1000000000`, `--slice-duration 1e-10`
// divided by zero after the run, …). Each now exits 2 at once, with one line naming the flag, the
// value and the range (docs/cli.md §1.5) or the size rule (§3.6 rules 21, 22), before a request
// is sent and before the artifact directory is made.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/child-server.js';
import { startFaultServer, type FaultServer } from '../helpers/fault-server.js';
import { filesBelow, runProfileCli, workDirectory } from '../helpers/profile-process.js';

const dir = workDirectory('infermark-flag-extremes-');
let server: FaultServer;

beforeAll(async () => {
  server = await startFaultServer({ kind: 'ok', tokens: 2 });
});
afterAll(async () => {
  await server.close();
});

/** The flags of the issue, and the line each must give (after `error: `). */
const CASES: Array<[string[], string]> = [
  [['--isl-stddev', '1e9'], "option '--isl-stddev <n>': expected a number in [0, 1000000], got '1e9'"],
  [['--isl', '2000000000'], "option '--isl <n>': expected an integer in [1, 1000000], got '2000000000'"],
  [
    ['--shared-system-prompt-length', '2000000000'],
    "option '--shared-system-prompt-length <n>': expected an integer in [1, 1000000], got '2000000000'",
  ],
  [['--num-dataset-entries', '100000000'], "option '--num-dataset-entries <n>': expected an integer in [1, 1000000], got '100000000'"],
  [['--num-sessions', '1000000000'], "option '--num-sessions <n>': expected an integer in [1, 1000000], got '1000000000'"],
  [['--session-turns-stddev', '1e20'], "option '--session-turns-stddev <n>': expected a number in [0, 1000000], got '1e20'"],
  [['--slice-duration', '1e-10'], "option '--slice-duration <s>': expected a number in [0.001, 31536000], got '1e-10'"],
  [
    ['--request-cancellation-rate', '50', '--request-cancellation-delay', '1e12'],
    "option '--request-cancellation-delay <s>': expected a number in [0, 31536000], got '1e12'",
  ],
  [['--concurrency', '1e9'], "option '--concurrency <n>': expected an integer in [1, 100000], got '1e9'"],
  // Each flag within its range, but together too much (rules 21 and 22).
  [
    ['--isl', '1000000', '--num-dataset-entries', '11'],
    "options '--isl' 1000000 × '--num-dataset-entries' 11 ask for 11000000 synthetic prompt tokens; at most 10000000 are allowed",
  ],
  [
    ['--num-sessions', '1000000', '--session-turns-mean', '2'],
    "options '--num-sessions' 1000000 × '--session-turns-mean' 2 ask for 2000000 session turns; at most 1000000 are allowed",
  ],
  // Within every range, but the drawn lengths or turns add up to too much: found before any text is made.
  [
    ['--isl-stddev', '1000000'],
    "option '--isl-stddev': the 100 synthetic prompts drawn with '--isl' 550 and '--isl-stddev' 1000000 have more than 10000000 tokens together (docs/cli.md §3.6 rule 21)",
  ],
  [
    ['--session-turns-stddev', '1000000'],
    "option '--session-turns-stddev': the 100 synthetic sessions drawn with '--session-turns-mean' 1 and '--session-turns-stddev' 1000000 have more than 1000000 turns together (docs/cli.md §3.6 rule 22)",
  ],
];

describe('profile with extreme flag values', () => {
  for (const [flags, message] of CASES) {
    it(`${flags.join(' ')}: exits 2 before any request, naming the flag`, async () => {
      const artifacts = `run-${flags.join('_').replace(/[^\w.-]/g, '')}`;
      const r = await runProfileCli(
        ['-m', 'm', '--url', server.url, '--streaming', '--ui', 'none', '--request-count', '2', '--artifact-dir', artifacts, ...flags],
        dir,
      );
      expect([r.status, r.stderr]).toEqual([2, `error: ${message}\n`]);
      expect(server.received).toHaveLength(0);
      expect(filesBelow(`${dir}/${artifacts}`)).toEqual([]);
    }, 60_000);
  }
});

describe('serve-mock with extreme flag values', () => {
  const cases: Array<[string[], string]> = [
    [['--ttft', '1e20'], "option '--ttft <ms>': expected a number in [0, 31536000000], got '1e20'"],
    [['--kv-cache-blocks', '1e12'], "option '--kv-cache-blocks <n>': expected an integer in [1, 10000000], got '1e12'"],
    [['--itl-jitter-cv', '1e300'], "option '--itl-jitter-cv <cv>': expected a number in [0, 100], got '1e300'"],
  ];
  for (const [flags, message] of cases) {
    it(`${flags.join(' ')}: exits 2 before listening`, () => {
      const r = spawnSync(process.execPath, [BIN, 'serve-mock', '--port', '0', ...flags], { encoding: 'utf8', timeout: 30_000 });
      expect([r.status, r.stderr, r.stdout]).toEqual([2, `error: ${message}\n`, '']);
    });
  }
});
