// The static server behind `infermark web`: serves the folder's files with their types
// (application/wasm for the core), and nothing outside it or hidden in it.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../ts/src/errors.js';
import { type StaticServer, startStaticServer } from '../../../ts/src/static-site/static-server.js';

const base = mkdtempSync(join(tmpdir(), 'infermark-static-'));
const root = join(base, 'site');
let server: StaticServer;

beforeAll(async () => {
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'core.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  writeFileSync(join(root, '.hidden'), 'secret');
  writeFileSync(join(base, 'outside.txt'), 'outside');
  symlinkSync(join(base, 'outside.txt'), join(root, 'link.txt'));
  server = await startStaticServer({ root, host: '127.0.0.1', port: 0, headers: { 'Content-Security-Policy': "default-src 'self'" } });
});

afterAll(async () => {
  await server.close();
  rmSync(base, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`http://127.0.0.1:${server.port}${path}`, init);

describe('static server', () => {
  it('serves index.html at / with the extra headers, and each file with its type', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe("default-src 'self'");
    expect(await index.text()).toContain('<title>app</title>');
    expect((await get('/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const wasm = await get('/core.wasm');
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    expect(new Uint8Array(await wasm.arrayBuffer())).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
  });

  it('answers 404 for paths leaving the folder, hidden files, symlinks out of it, directories and missing files', async () => {
    for (const path of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/sub/..%2f..%2foutside.txt',
      '/.hidden',
      '/link.txt',
      '/sub',
      '/nope.js',
      '/%ZZ',
    ]) {
      expect([path, (await get(path)).status]).toEqual([path, 404]);
    }
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    const r = await get('/index.html', { method: 'POST', body: 'x' });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, HEAD');
    expect((await get('/index.html', { method: 'HEAD' })).status).toBe(200);
  });

  it('refuses a port in use with a usage error naming it', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const attempt = startStaticServer({ root, host: '127.0.0.1', port });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: address already in use`);
    await new Promise<void>((r) => taken.close(() => r()));
  });
});
