// `--per-chunk-usage` and `--export-outputs-json` (docs/cli.md §3.11): their rules, the body they
// change, and their keys in config files and `--print-config`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveProfileConfig, type ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { UsageError } from '../../../ts/src/errors.js';
import { buildBody, type EndpointSettings } from '../../../ts/src/load/request-builder.js';
import { parseCli } from '../../helpers/cli-parse.js';
import { endpointOf } from '../../helpers/engine-options.js';

const resolve_ = (o: ProfileOptions) => resolveProfileConfig({ model: ['m'], ...o }, ['infermark']);

describe('--per-chunk-usage', () => {
  it('is off by default and on when given with --streaming', () => {
    expect(resolve_({}).responses).toEqual({ perChunkUsage: false, exportOutputsJson: false });
    expect(resolve_({ streaming: true, perChunkUsage: true }).responses.perChunkUsage).toBe(true);
  });

  it('needs --streaming, the usage stream options and a body that takes them (exit 2)', () => {
    expect(() => resolve_({ perChunkUsage: true })).toThrow("option '--per-chunk-usage' requires option '--streaming'");
    expect(() => resolve_({ perChunkUsage: true, streaming: true, streamUsage: false })).toThrow(
      "option '--per-chunk-usage' cannot be used with option '--no-stream-usage'",
    );
    expect(() => resolve_({ perChunkUsage: true })).toThrow(UsageError);
  });

  it('does not need --use-server-token-count (both counts it subtracts come from the server)', () => {
    expect(resolve_({ streaming: true, perChunkUsage: true, endpointType: 'completions' }).responses.perChunkUsage).toBe(true);
  });

  it('adds continuous_usage_stats to the stream options, and nothing without it', () => {
    const endpoint: EndpointSettings = endpointOf('chat');
    const prompt = { system: null, user: 'hi' };
    expect(buildBody(endpoint, 'm', prompt, 8).stream_options).toEqual({ include_usage: true });
    expect(buildBody({ ...endpoint, continuousUsage: true }, 'm', prompt, 8).stream_options).toEqual({
      include_usage: true,
      continuous_usage_stats: true,
    });
  });
});

describe('--export-outputs-json', () => {
  it('is parsed from the command line', async () => {
    const parsed = await parseCli(['profile', '-m', 'm', '--streaming', '--per-chunk-usage', '--export-outputs-json']);
    expect(parsed.ok && parsed.options).toMatchObject({ perChunkUsage: true, exportOutputsJson: true });
  });

  it('refuses a --profile-export-prefix whose summary would be outputs.json itself', () => {
    for (const prefix of ['outputs', 'outputs.json', 'outputs_aiperf.json']) {
      expect(() => resolve_({ exportOutputsJson: true, profileExportPrefix: prefix })).toThrow(
        `option '--profile-export-prefix ${prefix}' cannot be used with option '--export-outputs-json'`,
      );
    }
    expect(resolve_({ exportOutputsJson: true, profileExportPrefix: 'outputs_run1' }).responses.exportOutputsJson).toBe(true);
    expect(resolve_({ profileExportPrefix: 'outputs' }).responses.exportOutputsJson).toBe(false);
  });
});

describe('config files', () => {
  const BIN = join(resolve(__dirname, '../../..'), 'dist', 'bin.js');

  it('take per_chunk_usage and export_outputs_json as keys, and --print-config shows them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infermark-response-config-'));
    try {
      const path = join(dir, 'run.yaml');
      writeFileSync(path, 'model: m\nstreaming: true\nper_chunk_usage: true\nexport_outputs_json: true\n');
      const r = spawnSync(process.execPath, [BIN, 'profile', '-f', path, '--print-config'], { encoding: 'utf8', timeout: 20_000 });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain('per_chunk_usage: true\n');
      expect(r.stdout).toContain('export_outputs_json: true\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
