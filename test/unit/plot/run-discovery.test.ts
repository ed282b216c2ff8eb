// Finding runs by content (docs/cli.md §7): which directories count as runs, under which names,
// and the usage error when there are none.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { discoverRuns, summaryPrefix } from '../../../ts/src/plot/run-discovery.js';
import { writeRun } from './run-files.js';

let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'infermark-discovery-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('summaryPrefix', () => {
  it('maps summary names to the prefix of their records file (docs/exports.md §2)', () => {
    expect(summaryPrefix('profile_export_aiperf.json')).toBe('profile_export');
    expect(summaryPrefix('run1.json')).toBe('run1');
    expect(summaryPrefix('run1_aiperf.json')).toBe('run1');
  });
  it('rejects names that are never a summary', () => {
    for (const name of [
      'inputs.json',
      'server_metrics_export.json',
      'run1_timeslices.json',
      'run1_server_metrics.json',
      'x.jsonl',
      '.json',
    ]) {
      expect(summaryPrefix(name)).toBeNull();
    }
  });
});

describe('discoverRuns', () => {
  it('finds our default file names, with time slices and server metrics beside them', () => {
    const dir = join(root, 'c4');
    writeRun(dir);
    writeFileSync(join(dir, 'profile_export_aiperf_timeslices.json'), '{"timeslices": []}');
    writeFileSync(join(dir, 'server_metrics_export.json'), '{"schema_version": "1.0", "metrics": {}}');
    const [run, ...rest] = discoverRuns([root]);
    expect(rest).toEqual([]);
    expect(run).toMatchObject({
      name: 'c4',
      dir,
      prefix: 'profile_export',
      summaryFile: join(dir, 'profile_export_aiperf.json'),
      recordsFile: join(dir, 'profile_export.jsonl'),
      timeslicesFile: join(dir, 'profile_export_aiperf_timeslices.json'),
      serverMetricsFile: join(dir, 'server_metrics_export.json'),
    });
  });

  it('finds a custom export prefix and its own time-slice and server-metrics files', () => {
    const dir = join(root, 'custom');
    writeRun(dir, { prefix: 'run1' });
    writeFileSync(join(dir, 'run1_timeslices.json'), '{"timeslices": []}');
    writeFileSync(join(dir, 'run1_server_metrics.json'), '{"metrics": {}}');
    const [run] = discoverRuns([root]);
    expect(run).toMatchObject({
      prefix: 'run1',
      recordsFile: join(dir, 'run1.jsonl'),
      timeslicesFile: join(dir, 'run1_timeslices.json'),
      serverMetricsFile: join(dir, 'run1_server_metrics.json'),
    });
  });

  it('finds runs at any depth, names them by their path under the first PATH, in natural order', () => {
    writeRun(join(root, 'sweep', 'c16'));
    writeRun(join(root, 'sweep', 'c2'));
    writeRun(join(root, 'a'));
    expect(discoverRuns([root]).map((r) => r.name)).toEqual(['a', 'sweep/c2', 'sweep/c16']);
  });

  it('names a run that is the PATH itself after its directory', () => {
    const dir = join(root, 'my run');
    writeRun(dir);
    expect(discoverRuns([dir]).map((r) => r.name)).toEqual(['my_run']);
  });

  it('tells apart two prefixes in one directory', () => {
    writeRun(join(root, 'd'), { prefix: 'a' });
    writeRun(join(root, 'd'), { prefix: 'b' });
    expect(discoverRuns([root]).map((r) => r.name)).toEqual(['d/a', 'd/b']);
  });

  it('gives runs under a second PATH that PATH’s name, and never repeats a name', () => {
    const other = mkdtempSync(join(tmpdir(), 'infermark-discovery-other-'));
    try {
      writeRun(join(root, 'x'));
      writeRun(join(other, 'x'));
      const names = discoverRuns([root, other]).map((r) => r.name);
      expect(names[0]).toBe('x');
      expect(names[1]).toMatch(/^infermark-discovery-other-[^/]+\/x$/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('ignores a summary without schema_version, a summary without records, and records without a summary', () => {
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'profile_export_aiperf.json'), '{"records": 1}');
    writeFileSync(join(root, 'a', 'profile_export.jsonl'), '{}\n');
    mkdirSync(join(root, 'b'));
    writeFileSync(join(root, 'b', 'profile_export_aiperf.json'), '{"schema_version": "1.5"}');
    mkdirSync(join(root, 'c'));
    writeFileSync(join(root, 'c', 'profile_export.jsonl'), '{}\n');
    writeRun(join(root, 'real'));
    expect(discoverRuns([root]).map((r) => r.name)).toEqual(['real']);
  });

  it('does not enter the output directory, and reads a directory reached twice once', () => {
    writeRun(join(root, 'run'));
    writeRun(join(root, 'plots', 'copy'));
    symlinkSync(join(root, 'run'), join(root, 'link'));
    expect(discoverRuns([root], { skip: [join(root, 'plots')] }).map((r) => r.name)).toEqual(['link']);
  });

  it('refuses with the usage error of docs/cli.md §7 when there is no run', () => {
    mkdirSync(join(root, 'empty'));
    expect(() => discoverRuns([root])).toThrow(UsageError);
    expect(() => discoverRuns([root])).toThrow(`no run directories found under ${root}`);
  });

  it('names a PATH that does not exist or is a file', () => {
    expect(() => discoverRuns([join(root, 'missing')])).toThrow(
      `no run directories found under ${join(root, 'missing')}: it does not exist`,
    );
    writeFileSync(join(root, 'f'), '');
    expect(() => discoverRuns([join(root, 'f')])).toThrow('it is not a directory');
  });
});
