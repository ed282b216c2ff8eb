import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NETWORK_OPTIONS } from '../../../ts/src/cli/network-options.js';
import type { OptionSpec } from '../../../ts/src/cli/option-table.js';
import { readProfileConfigFile } from '../../../ts/src/cli/profile-config-file.js';
import type { ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { resolveProfileConfig } from '../../../ts/src/config/profile-config.js';
import { resolveNetworkConfig } from '../../../ts/src/config/network-config.js';
import { UsageError } from '../../../ts/src/errors.js';
import { parseCli } from '../../helpers/cli-parse.js';

describe('resolveNetworkConfig', () => {
  it('is off, without an HTTP trace, by default', () => {
    expect(resolveNetworkConfig({})).toEqual({ latency: { mode: 'off' }, exportHttpTrace: false });
  });

  it('probes every second with --network-latency-automatic, or at the given interval', () => {
    expect(resolveNetworkConfig({ networkLatencyAutomatic: true }).latency).toEqual({ mode: 'automatic', pingIntervalSeconds: 1 });
    expect(resolveNetworkConfig({ networkLatencyAutomatic: true, networkLatencyPingInterval: 0.25 }).latency).toEqual({
      mode: 'automatic',
      pingIntervalSeconds: 0.25,
    });
  });

  it('takes a given RTT with --network-latency-mean, 0 included', () => {
    expect(resolveNetworkConfig({ networkLatencyMean: 12.5 }).latency).toEqual({ mode: 'mean', meanMs: 12.5 });
    expect(resolveNetworkConfig({ networkLatencyMean: 0 }).latency).toEqual({ mode: 'mean', meanMs: 0 });
  });

  it('refuses both ways of knowing the RTT at once, and an interval without probing (exit 2)', () => {
    expect(() => resolveNetworkConfig({ networkLatencyAutomatic: true, networkLatencyMean: 1 })).toThrow(
      "option '--network-latency-automatic' cannot be used with option '--network-latency-mean'",
    );
    expect(() => resolveNetworkConfig({ networkLatencyPingInterval: 2 })).toThrow(UsageError);
    expect(() => resolveNetworkConfig({ networkLatencyMean: 3, networkLatencyPingInterval: 2 })).toThrow(
      "option '--network-latency-ping-interval' requires option '--network-latency-automatic'",
    );
  });

  it('refuses the HTTP trace where no records file is written (exit 2)', () => {
    expect(() => resolveProfileConfig({ model: ['m'], exportHttpTrace: true, exportLevel: 'summary' }, ['infermark'])).toThrow(
      "option '--export-http-trace' cannot be used with option '--export-level summary'",
    );
  });

  it('is part of the profile configuration, from the command line', async () => {
    const config = resolveProfileConfig({ model: ['m'], exportHttpTrace: true, networkLatencyMean: 4 }, ['infermark']);
    expect(config.network).toEqual({ latency: { mode: 'mean', meanMs: 4 }, exportHttpTrace: true });
    const parsed = await parseCli([
      'profile',
      '-m',
      'm',
      '--export-http-trace',
      '--network-latency-automatic',
      '--network-latency-ping-interval',
      '0.5',
    ]);
    expect(parsed.ok && parsed.options).toMatchObject({
      exportHttpTrace: true,
      networkLatencyAutomatic: true,
      networkLatencyPingInterval: 0.5,
    });
  });

  it('reads the four settings from a config file under their snake_case keys', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infermark-network-config-'));
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, 'network_latency_automatic: true\nnetwork_latency_ping_interval: 0.5\nexport_http_trace: true\n');
      expect(readProfileConfigFile(file, NETWORK_OPTIONS as readonly OptionSpec<ProfileOptions>[], [])).toEqual({
        networkLatencyAutomatic: true,
        networkLatencyPingInterval: 0.5,
        exportHttpTrace: true,
      });
      writeFileSync(file, 'network_latency_mean: 2.5\n');
      expect(readProfileConfigFile(file, NETWORK_OPTIONS as readonly OptionSpec<ProfileOptions>[], [])).toEqual({
        networkLatencyMean: 2.5,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
