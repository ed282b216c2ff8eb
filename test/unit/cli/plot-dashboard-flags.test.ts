// The flags of `plot --dashboard` (docs/cli.md §7) as the CLI parses them: exit 2 with one line.
import { describe, expect, it } from 'vitest';
import { parseCli } from '../../helpers/cli-parse.js';

describe('plot --dashboard flags', () => {
  it('default to port 8050', async () => {
    expect(await parseCli(['plot', 'runs', '--dashboard'])).toMatchObject({ ok: true, options: { dashboard: true, port: 8050 } });
  });
  it("take AIPerf's --host when it names the loopback address it serves on anyway", async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      expect(await parseCli(['plot', 'runs', '--dashboard', '--host', host])).toMatchObject({ ok: true, options: { host: '127.0.0.1' } });
    }
  });
  it.each([
    [
      ['--dashboard', '--host', '0.0.0.0'],
      "error: option '--host <host>': the dashboard listens on 127.0.0.1 only, got '0.0.0.0' (to view it from another machine, forward the port: ssh -L 8050:127.0.0.1:8050 HOST)",
    ],
    [['--host', '127.0.0.1'], "error: option '--host' requires option '--dashboard'"],
    [['--port', '9000'], "error: option '--port' requires option '--dashboard'"],
    [['--dashboard', '-o', 'x'], "error: option '--output' cannot be used with option '--dashboard'"],
    [['--dashboard', '--format', 'png'], "error: option '--format' cannot be used with option '--dashboard'"],
    [['--dashboard', '--port', '70000'], "error: option '--port <n>': expected an integer in [0, 65535], got '70000'"],
  ])('refuse %j', async (args, message) => {
    expect(await parseCli(['plot', 'runs', ...args])).toEqual({ ok: false, code: 2, stderr: `${message}\n` });
  });
});
