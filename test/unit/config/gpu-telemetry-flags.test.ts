// `--gpu-telemetry [items...]` and `--no-gpu-telemetry` (docs/cli.md §3.5), from the command line to
// the endpoints scraped.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addProfileFlags } from '../../../ts/src/cli/profile.js';
import { GPU_TELEMETRY_DEFAULTS } from '../../../ts/src/config/defaults.js';
import { resolveGpuTelemetry } from '../../../ts/src/config/gpu-telemetry-flags.js';
import { resolveProfileConfig, type ProfileOptions } from '../../../ts/src/config/profile-config.js';
import { UsageError } from '../../../ts/src/errors.js';

async function flags(argv: string[]): Promise<ProfileOptions> {
  const cmd = new Command('profile').exitOverride();
  const read = addProfileFlags(cmd);
  let out: ProfileOptions | null = null;
  cmd.action((raw: Record<string, unknown>, command: Command) => {
    out = read(raw, command);
  });
  await cmd.parseAsync(argv, { from: 'user' });
  return out!;
}

const gpuConfig = async (argv: string[]) =>
  resolveProfileConfig({ ...(await flags(argv)), model: ['m'] }, ['infermark']).output.gpuTelemetry;

describe('--gpu-telemetry', () => {
  it("tries AIPerf's two default exporter addresses, as optional, when the flag is absent or given alone", async () => {
    for (const argv of [[], ['--gpu-telemetry']]) {
      const g = await gpuConfig(argv);
      expect(g.enabled).toBe(true);
      expect(g.endpoints).toEqual(GPU_TELEMETRY_DEFAULTS.urls.map((url) => ({ url, authorization: null, optional: true })));
    }
  });

  it('scrapes the URLs named instead of the defaults, in their normalised form, however the list is written', async () => {
    const g = await gpuConfig([
      '--gpu-telemetry',
      'node1:9400',
      'http://node2:9401/metrics/',
      '--gpu-telemetry',
      'https://n3/dcgm,dashboard',
    ]);
    expect(g.endpoints.map((e) => [e.url, e.optional])).toEqual([
      ['http://node1:9400/metrics', false],
      ['http://node2:9401/metrics', false],
      ['https://n3/dcgm/metrics', false],
    ]);
  });

  it("takes a URL's user:password out of it and sends it as Basic credentials", () => {
    const g = resolveGpuTelemetry(['http://u:p@node1:9400'], false);
    expect(g.endpoints).toEqual([
      { url: 'http://node1:9400/metrics', authorization: `Basic ${Buffer.from('u:p').toString('base64')}`, optional: false },
    ]);
  });

  it('is off with --no-gpu-telemetry, which cannot be combined with --gpu-telemetry', async () => {
    expect(await gpuConfig(['--no-gpu-telemetry'])).toEqual({ enabled: false, endpoints: [] });
    await expect(flags(['--gpu-telemetry', 'x:1', '--no-gpu-telemetry'])).rejects.toThrow(
      "option '--gpu-telemetry' cannot be used with option '--no-gpu-telemetry'",
    );
    expect(() => resolveProfileConfig({ model: ['m'], gpuTelemetry: true, noGpuTelemetry: true }, ['infermark'])).toThrow(UsageError);
  });

  it.each([
    ['pynvml', /local GPU library.*not supported.*dcgm-exporter/],
    ['AMDSMI', /local GPU library.*not supported/],
    ['custom_gpu_metrics.csv', /custom metrics CSV file.*not supported/],
    ['node1', /'node1' is not a URL/],
    ['ftp://node1:9400', /expected an http or https URL/],
  ])('refuses %s with a usage error that says why', (item, message) => {
    let err: unknown;
    try {
      resolveGpuTelemetry([item], false);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });
});
