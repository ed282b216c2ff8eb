// `infermark serve-mock` end to end: the built CLI (dist/bin.js) as a child process. Every server
// a test starts is stopped by its pid, and stop() checks its port is closed afterwards.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { isLoopback } from '../../ts/src/server/mock-server.js';
import { BIN, startMockProcess as start } from '../helpers/child-server.js';

const ROOT = join(BIN, '..', '..');

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'serve-mock', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('serve-mock CLI', () => {
  it('prints the listening line, serves, and exits 0 on SIGINT after writing the recorder summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-e2e-mock-'));
    const rec = join(dir, 'req.jsonl');
    const s = await start(['--latency-model', 'simple', '--ttft', '1', '--itl', '1', '--random-seed', '42', '--record-requests', rec]);
    expect(s.line).toMatch(/^infermark mock server listening on http:\/\/127\.0\.0\.1:\d+ \(latency model: simple, seed 42\)$/);
    const health = await fetch(`${s.url}/health`).then((r) => r.json());
    expect(health).toMatchObject({ status: 'ok', latency_model: 'simple', seed: 42 });
    const r = await fetch(`${s.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'hello', max_tokens: 3 }) }).then(
      (x) => x.json(),
    );
    expect(r.usage.completion_tokens).toBe(3);
    expect(await s.stop('SIGINT')).toBe(0);
    expect(readFileSync(rec, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(readFileSync(`${rec}.summary.json`, 'utf8'))['/v1/completions'].count).toBe(1);
    expect(s.stderr()).toBe('');
  });

  it('a port in use exits 2 with the exact message', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = cli(['--port', String(port), '--fast']);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`error: cannot listen on 127.0.0.1:${port}: address already in use\n`);
    } finally {
      blocker.close();
    }
  });

  it('an unknown tokenizer exits 2 with the docs/cli.md §3.2 message before listening (other usage errors: test/unit/server/cli-options)', () => {
    const r = cli(['--port', '0', '--tokenizer', '/definitely/missing']);
    expect(r.stderr).toMatch(
      /^error: tokenizer not found: '\/definitely\/missing' \(infermark never downloads tokenizers\); pass a folder containing tokenizer\.json \(or the file itself\), or one of: builtin, builtin:qwen3, .*\n$/,
    );
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('a bundled model id counts prompts with that model’s tokenizer, after one notice line', async () => {
    const hub = mkdtempSync(join(tmpdir(), 'im-e2e-hub-'));
    const s = await start(['--fast', '--tokenizer', 'meta-llama/Llama-3.1-8B-Instruct'], { env: { ...process.env, HF_HUB_CACHE: hub } });
    try {
      const prompt = 'The quick brown fox jumps over the lazy dog.';
      const r = await fetch(`${s.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt, max_tokens: 1 }) }).then((x) =>
        x.json(),
      );
      const llama = await (await import('../../ts/src/tokenizer/index.js')).loadTokenizer('builtin:llama3.1');
      expect(r.usage.prompt_tokens).toBe(llama.count(prompt));
      // Digits: Llama 3 groups up to three, Qwen3 splits each, so the count tells which tokenizer counted.
      const odd = 'Order 1234567890 shipped on 20250101.';
      const r2 = await fetch(`${s.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt: odd, max_tokens: 1 }) }).then(
        (x) => x.json(),
      );
      const qwen = await (await import('../../ts/src/tokenizer/index.js')).loadTokenizer('builtin');
      expect(llama.count(odd)).not.toBe(qwen.count(odd));
      expect(r2.usage.prompt_tokens).toBe(llama.count(odd));
      expect(s.stderr()).toBe(
        "notice: tokenizer 'meta-llama/Llama-3.1-8B-Instruct' is the bundled Llama 3.1/3.2/3.3 tokenizer (builtin:llama3.1), used offline\n",
      );
    } finally {
      await s.stop('SIGINT');
    }
  }, 60_000);

  it('an unwritable --record-requests path exits 1 with one error line before listening (was an unhandled stream error with a stack trace)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'im-e2e-mock-'));
    for (const [path, reason] of [
      [join(dir, 'missing', 'req.jsonl'), 'no such file or directory'],
      [dir, 'illegal operation on a directory'],
    ] as const) {
      const r = cli(['--port', '0', '--fast', '--record-requests', path]);
      expect(r.stderr).toBe(`error: cannot write output file: ${path}: ${reason}\n`);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
    }
  });

  it('--workers 2 serves from two processes on one port and stops on SIGTERM', async () => {
    const s = await start(['--fast', '--workers', '2']);
    expect(s.line).toMatch(/\(latency model: none, seed 0, 2 workers\)$/);
    const ask = (prompt: string) =>
      fetch(`${s.url}/v1/completions`, { method: 'POST', body: JSON.stringify({ prompt, max_tokens: 4 }) }).then((x) => x.json());
    const results = await Promise.all(Array.from({ length: 20 }, () => ask('same prompt')));
    // Every worker gives the same deterministic text for the same prompt.
    expect(new Set(results.map((r) => r.choices[0].text)).size).toBe(1);
    // Long prompts go to each process's tokenizer threads, which end with their process.
    const long = await Promise.all(Array.from({ length: 4 }, () => ask('the same long prompt '.repeat(200))));
    expect(new Set(long.map((r) => r.choices[0].text)).size).toBe(1);
    expect(long[0].usage.prompt_tokens).toBeGreaterThan(600);
    expect(await s.stop()).toBe(0);
  });

  it('tokenises a long prompt on a tokenizer thread and still exits 0 on SIGTERM', async () => {
    const s = await start(['--fast', '--log-level', 'debug']);
    const r = await fetch(`${s.url}/v1/completions`, {
      method: 'POST',
      body: JSON.stringify({ prompt: 'a long prompt for a thread '.repeat(400), max_tokens: 3 }),
    }).then((x) => x.json());
    expect(r.usage.completion_tokens).toBe(3);
    await vi.waitFor(() => expect(s.stdout()).toMatch(/^request 0 \/v1\/completions prompt=\d+ \(tokenizer thread\) output=3$/m));
    expect(await s.stop()).toBe(0);
    expect(s.stderr()).toBe('');
  });

  it('startMockServer: once closed, a process that used the tokenizer threads exits by itself', () => {
    const script = `
      import { startMockServer } from ${JSON.stringify(join(ROOT, 'dist', 'index.js'))};
      const s = await startMockServer({ port: 0, latencyModel: 'none', tokenizerThreads: 2 });
      const body = JSON.stringify({ prompt: 'a long prompt for a thread '.repeat(400), max_tokens: 2 });
      const answers = await Promise.all([1, 2, 3].map(() => fetch(s.url + '/v1/completions', { method: 'POST', body }).then((r) => r.status)));
      await s.close();
      console.log(answers.join(' '));
    `;
    // No process.exit: the child ends only when nothing (threads included) keeps it alive.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('200 200 200\n');
    expect(r.status).toBe(0);
  });
});

describe('bind address warning', () => {
  it('treats 127.x, localhost and ::1 as loopback and anything else as exposed', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.1.2.3')).toBe(true);
    expect(isLoopback('localhost')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('192.168.1.10')).toBe(false);
    expect(isLoopback('::')).toBe(false);
  });
});

describe('--fake-gpus (docs/serve-mock.md §7.1)', () => {
  it('serves DCGM series for 2 GPUs whose energy over a run is idle power × time plus 0.08 J per output token', async () => {
    // A low idle power: the client's clock and the server's differ by the scrapes' latency.
    const s = await start(['--fake-gpus', '2', '--fake-gpu-idle-watts', '10', '--fake-gpu-joules-per-prefill-token', '0']);
    const scrape = async (): Promise<{ at: number; text: string }> => {
      const before = performance.now();
      const text = await fetch(`${s.url}/metrics`).then((r) => r.text());
      return { at: (before + performance.now()) / 2, text };
    };
    const values = (text: string, name: string): number[] =>
      text
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`))
        .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    const totalMj = (text: string): number => values(text, 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION').reduce((a, b) => a + b, 0);
    try {
      const start0 = await scrape();
      expect(values(start0.text, 'DCGM_FI_DEV_GPU_UTIL')).toEqual([0, 0]);
      // 16 concurrent requests of 100 output tokens: about 0.6 s of engine steps.
      const body = JSON.stringify({ prompt: 'power to the tokens', max_tokens: 100, ignore_eos: true });
      const served = Promise.all(
        Array.from({ length: 16 }, () => fetch(`${s.url}/v1/completions`, { method: 'POST', body }).then((r) => r.json())),
      );
      await new Promise((r) => setTimeout(r, 300));
      const during = await scrape();
      const answers = await served;
      const end = await scrape();
      expect(answers.map((a) => a.usage.completion_tokens)).toEqual(Array(16).fill(100));
      // Mid-run both GPUs are busy and draw more than idle power, with the exporter's labels.
      expect(values(during.text, 'DCGM_FI_DEV_GPU_UTIL').every((u) => u > 0)).toBe(true);
      expect(values(during.text, 'DCGM_FI_DEV_POWER_USAGE').every((w) => w > 10)).toBe(true);
      expect(during.text).toMatch(
        /^DCGM_FI_DEV_POWER_USAGE\{gpu="1",UUID="GPU-[0-9a-f-]{36}",pci_bus_id="00000000:28:00\.0",device="nvidia1",modelName="NVIDIA H100 80GB HBM3",Hostname="[^"]*"\} \S+$/m,
      );
      const energyJ = (totalMj(end.text) - totalMj(start0.text)) / 1000;
      const idleJ = 2 * 10 * ((end.at - start0.at) / 1000);
      // 1,600 tokens at 0.08 J; 2 J is 100 ms of disagreement between the clocks at 20 W.
      expect(Math.abs(energyJ - idleJ - 1600 * 0.08)).toBeLessThan(2);
      const counters = [start0, during, end].map((x) => totalMj(x.text));
      expect(counters).toEqual([...counters].sort((a, b) => a - b));
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });
});
