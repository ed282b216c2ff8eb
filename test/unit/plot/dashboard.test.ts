// The dashboard server (docs/cli.md §7.6) with a stand-in for run discovery: loopback only, new runs
// picked up on the next look, bounded rescans, port errors. The page in a browser, on real runs:
// test/e2e/dashboard-browser.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InfermarkError } from '../../../ts/src/errors.js';
import { type Dashboard, startDashboard } from '../../../ts/src/plot/dashboard.js';
import { dashboardRuns } from '../../../ts/src/plot/dashboard-runs.js';
import type { PlotModel } from '../../../ts/src/plot/plot-model.js';
import { writeRun } from './run-files.js';

const open: Dashboard[] = [];
afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
});

function modelOf(names: string[]): PlotModel {
  return {
    theme: 'light',
    gpus: 1,
    runs: names.map((name) => ({ name, dir: `/r/${name}`, producer: 'infermark', records: 1, summary: [], config: {}, errors: [] })),
    charts: [],
  };
}

/** A stand-in for the run directories: `runs` is what a look finds; counts the looks and loads. */
function fakeRuns(runs: string[]) {
  const calls = { fingerprint: 0, load: 0 };
  return {
    runs,
    calls,
    fingerprint: async () => {
      calls.fingerprint++;
      return runs.join('\n');
    },
    load: async () => {
      calls.load++;
      return modelOf([...runs]);
    },
  };
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(fake: ReturnType<typeof fakeRuns>, rescanMs = 50): Promise<Dashboard> {
  const d = await startDashboard({ port: 0, fingerprint: fake.fingerprint, load: fake.load, rescanMs });
  open.push(d);
  return d;
}

describe('startDashboard', () => {
  it('listens on 127.0.0.1 and serves the report page with its live source', async () => {
    const d = await start(fakeRuns(['a']));
    expect(d.url).toBe(`http://127.0.0.1:${d.port}/`);
    const page = await get(d.url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('"versionUrl":"/version"');
    expect(page.body).toContain("connect-src 'self'");
    // Not on the other loopback family nor on another interface address.
    await expect(get(`http://[::1]:${d.port}/`)).rejects.toThrow(/ECONNREFUSED|EADDRNOTAVAIL/);
  });

  it('serves a run that appears, with a new version, once the rescan interval has passed', async () => {
    const fake = fakeRuns(['a']);
    const d = await start(fake);
    const before = JSON.parse((await get(`${d.url}version`)).body).version;
    fake.runs.push('b');
    await new Promise((r) => setTimeout(r, 80));
    const after = JSON.parse((await get(`${d.url}version`)).body).version;
    expect(after).not.toBe(before);
    const data = JSON.parse((await get(`${d.url}data.json`)).body);
    expect(data.runs.map((r: { name: string }) => r.name)).toEqual(['a', 'b']);
    expect(data.live.version).toBe(after);
  });

  it('looks at most once per interval and loads only when what it found changed', async () => {
    const fake = fakeRuns(['a']);
    const d = await start(fake, 60_000);
    await Promise.all(Array.from({ length: 20 }, () => get(`${d.url}version`)));
    expect(fake.calls).toEqual({ fingerprint: 1, load: 1 });
  });

  it('keeps serving the last runs it could read when a look fails', async () => {
    const fake = fakeRuns(['a']);
    const errors: unknown[] = [];
    let fail = false;
    const d = await startDashboard({
      port: 0,
      rescanMs: 10,
      fingerprint: async () => {
        if (fail) throw new Error('unreadable run');
        return 'x';
      },
      load: fake.load,
      onError: (e) => errors.push(e),
    });
    open.push(d);
    fail = true;
    await new Promise((r) => setTimeout(r, 30));
    const data = await get(`${d.url}data.json`);
    expect(data.status).toBe(200);
    expect(JSON.parse(data.body).runs).toHaveLength(1);
    expect(String(errors[0])).toContain('unreadable run');
  });

  it('refuses another Host (a rebound DNS name), other methods and unknown paths', async () => {
    const d = await start(fakeRuns(['a']));
    expect((await get(d.url, { Host: `evil.example:${d.port}` })).status).toBe(403);
    expect((await get(d.url, {}, 'POST')).status).toBe(405);
    expect((await get(`${d.url}etc/passwd`)).status).toBe(404);
    expect((await get(d.url, { Host: `localhost:${d.port}` })).status).toBe(200);
  });

  it('reports a port in use as a usage error naming the address', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const fake = fakeRuns(['a']);
      const err = await startDashboard({ port, fingerprint: fake.fingerprint, load: fake.load }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InfermarkError);
      expect((err as InfermarkError).exitCode).toBe(2);
      expect((err as Error).message).toBe(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      blocker.close();
    }
  });
});

describe('dashboardRuns', () => {
  it('finds no run in an empty directory without failing, and fails for a PATH that does not exist', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infermark-dashboard-runs-'));
    try {
      const runs = dashboardRuns([dir], { theme: 'light', gpus: 1 });
      expect(await runs.fingerprint()).toBe('');
      expect(await runs.load()).toEqual({ theme: 'light', gpus: 1, runs: [], charts: [] });
      await expect(dashboardRuns([join(dir, 'missing')], { theme: 'light', gpus: 1 }).fingerprint()).rejects.toThrow(
        /no run directories found under .*missing: it does not exist/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dashboardRuns fingerprint', () => {
  it('changes when a GPU telemetry export appears beside a run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'infermark-dashboard-gpu-'));
    try {
      writeRun(dir);
      const runs = dashboardRuns([dir], { theme: 'light', gpus: 1 });
      const before = await runs.fingerprint();
      writeFileSync(join(dir, 'gpu_telemetry_export.jsonl'), '');
      expect(await runs.fingerprint()).not.toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
