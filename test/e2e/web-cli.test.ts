// `infermark web` as a process: loopback by default, ends with 130 on Ctrl-C, a port in use is a
// usage error with a hint, `--open` without a system opener prints the URL.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, startChildServer } from '../helpers/child-server.js';

const emptyPath = mkdtempSync(join(tmpdir(), 'infermark-web-path-'));
afterAll(() => rmSync(emptyPath, { recursive: true, force: true }));

describe('infermark web', () => {
  it('listens on 127.0.0.1, serves the app with application/wasm, and ends with 130 on Ctrl-C', async () => {
    const app = await startChildServer(process.execPath, [BIN, 'web', '--port', '0'], { listening: /listening on (http:\/\/\S+)/ });
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await fetch(app.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const wasm = await fetch(new URL('trace_core_wasm_bg.wasm', app.url));
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(new URL('worker.js', app.url))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await app.stop('SIGINT')).toBe(130);
  }, 20_000);

  it('exits 2 with a hint when the port is in use', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const r = spawnSync(process.execPath, [BIN, 'web', '--port', String(port)], { encoding: 'utf8', timeout: 20_000 });
    await new Promise<void>((done) => taken.close(() => done()));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`error: cannot listen on 127.0.0.1:${port}: address already in use\nhint: choose another port with --port N\n`);
  }, 20_000);

  it('prints the URL for --open when no system opener is on PATH', async () => {
    const app = await startChildServer(process.execPath, [BIN, 'web', '--port', '0', '--open'], {
      listening: /listening on (http:\/\/\S+)/,
      env: { ...process.env, PATH: emptyPath },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(app.stdout()).toContain(`no xdg-open or open found: open ${app.url} in a browser`);
    expect(await app.stop('SIGINT')).toBe(130);
  }, 20_000);

  it('warns when told to listen on an address other than loopback', async () => {
    const app = await startChildServer(process.execPath, [BIN, 'web', '--port', '0', '--host', '0.0.0.0'], {
      listening: /listening on (http:\/\/\S+)/,
    });
    expect(app.stderr()).toMatch(/^warning: serving on 0\.0\.0\.0, reachable from other machines/);
    expect(await app.stop('SIGINT')).toBe(130);
  }, 20_000);
});
