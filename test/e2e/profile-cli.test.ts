// `infermark profile` end to end through the built CLI (dist/bin.js): validation before traffic,
// exit codes, artifacts, secret redaction, Ctrl-C and worker threads.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServer, type Behaviour, type FaultServer, type FaultServerOptions } from '../helpers/fault-server.js';
import { type ProfileRun, runProfileCli } from '../helpers/profile-process.js';
import { loadTokenizer } from '../../ts/src/tokenizer/index.js';

const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'dist', 'bin.js');
let dir = '';
let server: FaultServer | null = null;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` before the e2e tests`);
  dir = mkdtempSync(join(tmpdir(), 'infermark-profile-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await server?.close();
  server = null;
});

type Run = ProfileRun;

/** Run the CLI asynchronously (the fault server lives in this process and must keep serving). */
const cli = (args: string[], cwd = dir): Promise<Run> => runProfileCli(args, cwd);

function files(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((name) => {
    const p = join(root, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const jsonl = (path: string): Array<Record<string, any>> =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

async function serve(b: Behaviour | ((i: number) => Behaviour), options: FaultServerOptions = {}): Promise<FaultServer> {
  server = await startFaultServer(b, options);
  return server;
}

describe('profile validation', () => {
  const rows: Array<[string[], string]> = [
    [['--url', 'X'], "error: required option '--model <name>' not specified"],
    [
      ['-m', 'm', '--url', 'X', '--request-rate', '5', '--user-centric-rate', '2'],
      "error: option '--request-rate' cannot be used with option '--user-centric-rate'",
    ],
    [['-m', 'm', '--url', 'X', '--arrival-pattern', 'gamma'], "error: option '--arrival-pattern' requires option '--request-rate'"],
    [
      ['-m', 'm', '--url', 'X', '--request-rate', '5', '--arrival-smoothness', '2'],
      "error: option '--arrival-smoothness' requires '--arrival-pattern gamma'",
    ],
    [
      ['-m', 'm', '--url', 'X', '--benchmark-grace-period', '5'],
      "error: option '--benchmark-grace-period' requires option '--benchmark-duration'",
    ],
    [
      ['-m', 'm', '--url', 'X', '--warmup-request-count', '2', '--warmup-duration', '1'],
      "error: option '--warmup-request-count' cannot be used with option '--warmup-duration'",
    ],
    [
      ['-m', 'm', '--url', 'X', '--server-metrics', 'h:1', '--no-server-metrics'],
      "error: option '--server-metrics' cannot be used with option '--no-server-metrics'",
    ],
    // Regression: the negation first once crashed the list parser ("internal error: … is not iterable").
    [
      ['-m', 'm', '--url', 'X', '--no-server-metrics', '--server-metrics', 'h:1'],
      "error: option '--server-metrics' cannot be used with option '--no-server-metrics'",
    ],
    [['-m', 'm', '--url', 'X', '--concurrency', '0'], "error: option '--concurrency <n>': expected an integer in [1, 100000], got '0'"],
    [
      ['-m', 'm', '--url', 'X', '--connection-reuse-strategy', 'sometimes'],
      "error: option '--connection-reuse-strategy <s>': expected one of pooled, never, sticky, got 'sometimes'",
    ],
    [['-m', 'm', '--url', 'X', '--concurency', '2'], "error: unknown option '--concurency' (did you mean '--concurrency'?)"],
    [['-m', 'm', '--url', 'X', '--goodput', 'ttft:5'], "error: option '--goodput': unknown metric 'ttft'"],
    [['-m', 'm', '--url', 'X', '--tokenizer', '/nonexistent/tok'], "error: tokenizer not found: '/nonexistent/tok'"],
    [
      ['-m', 'm', '--url', 'X', '--tokenizer', 'acme/no-such-model'],
      "error: tokenizer not found: 'acme/no-such-model' is not bundled with infermark, not a folder, and not in the Hugging Face cache",
    ],
  ];
  it('exits 2 with one line, before any connection or file', async () => {
    const s = await serve({ kind: 'ok' });
    const cwd = mkdtempSync(join(dir, 'validation-'));
    // In parallel: each is a separate process, and node start-up dominates.
    const runs = await Promise.all(
      rows.map(([args]) =>
        cli(
          args.map((a) => (a === 'X' ? s.url : a)),
          cwd,
        ),
      ),
    );
    for (const [i, [args, message]] of rows.entries()) {
      const r = runs[i]!;
      expect(r.status, args.join(' ')).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(message), `${lines[0]} vs ${message}`).toBe(true);
      expect(r.stdout).toBe('');
    }
    expect(s.received).toHaveLength(0);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('accepts AIPerf aliases', async () => {
    const s = await serve({ kind: 'ok', tokens: 3 });
    const out = join(dir, 'aliases');
    const r = await cli([
      '--model-names',
      'm',
      '--url',
      s.url,
      '--num-requests',
      '3',
      '--synthetic-input-tokens-mean',
      '20',
      '--output-tokens-mean',
      '3',
      '--ui-type',
      'none',
      '--output-artifact-dir',
      out,
      '--auto-plot',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(s.received).toHaveLength(3);
    expect(s.received[0]!.body.max_completion_tokens).toBe(3);
    expect(jsonl(join(out, 'profile_export.jsonl'))).toHaveLength(3);
    expect(existsSync(join(out, 'plots', 'report.html'))).toBe(true);
  });
});

describe('profile --tokenizer with a model id (docs/cli.md §3.2)', () => {
  it('Qwen/Qwen3-0.6B runs offline on the bundled tokenizer with one notice line, and every prompt has exactly the requested ISL', async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const out = join(dir, 'qwen3-id');
    const hub = mkdtempSync(join(dir, 'empty-hub-'));
    const r = await new Promise<Run>((resolveRun) => {
      const child = spawn(
        process.execPath,
        [
          BIN,
          'profile',
          '-m',
          'm',
          '--url',
          s.url,
          '--tokenizer',
          'Qwen/Qwen3-0.6B',
          '--request-count',
          '24',
          '--num-dataset-entries',
          '24',
          '--isl',
          '512',
          '--isl-stddev',
          '200',
          '--osl',
          '2',
          '--ui',
          'none',
          '--artifact-dir',
          out,
        ],
        { cwd: dir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, HF_HUB_CACHE: hub } },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (status) => resolveRun({ status, stdout, stderr }));
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('notice:'))).toEqual([
      "notice: tokenizer 'Qwen/Qwen3-0.6B' is the bundled Qwen3 tokenizer (builtin:qwen3), used offline",
    ]);
    expect(r.stdout).not.toContain('synthetic prompts do not encode');
    const records = jsonl(join(out, 'profile_export.jsonl'));
    expect(records).toHaveLength(24);
    for (const rec of records) expect(rec.metrics.input_sequence_length.value).toBe(rec.metadata.requested_isl);
    const builtin = await loadTokenizer('builtin');
    const sent = s.received.map((q) => builtin.count((q.body.messages as Array<{ content: string }>)[0]!.content)).sort((a, b) => a - b);
    expect(sent).toEqual(records.map((rec) => rec.metadata.requested_isl as number).sort((a, b) => a - b));
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.tokenizer).toEqual({ name: 'Qwen/Qwen3-0.6B', resolved_path: 'builtin:qwen3' });
  }, 60_000);
});

describe('profile runs', () => {
  it('loses no request to a server that closes kept-alive connections after each stream (llama-server), and reports the resends', async () => {
    const s = await serve({ kind: 'ok', tokens: 3 }, { closeAfterStream: { how: 'fin' } });
    const out = join(dir, 'closing-server');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--streaming',
      '--concurrency',
      '8',
      '--request-count',
      '64',
      '--isl',
      '20',
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Success Rate: 100% (0 errors)');
    expect(r.stdout).toContain(
      'Connection resends: 56 requests sent again on a new connection (the server had closed the kept-alive one before answering)',
    );
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.client_connection_resends).toEqual({ unit: 'requests', avg: 56 });
    expect(summary.input_config.endpoint.connection_reuse_strategy).toBe('pooled');
    const lines = jsonl(join(out, 'profile_export.jsonl'));
    expect(lines.filter((l) => l.metadata.connection_resends === 1)).toHaveLength(56);
    expect(lines.every((l) => l.error === null)).toBe(true);
  });

  it("sends --system-prompt-file's text before a file session's own system message; a missing file is exit 2 before any request", async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    writeFileSync(join(dir, 'system.txt'), 'Be brief.\nNo lists.');
    writeFileSync(
      join(dir, 'turns.jsonl'),
      '{"session_id": "a", "turns": [{"role": "system", "text": "You are a pirate."}, {"role": "user", "text": "hello"}]}\n',
    );
    const common = ['-m', 'm', '--url', s.url, '--input-file', join(dir, 'turns.jsonl'), '--ui', 'none'];
    const missing = await cli([...common, '--system-prompt-file', join(dir, 'nope.txt'), '--artifact-dir', join(dir, 'sp-missing')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(
      `option '--system-prompt-file <path>': cannot read ${join(dir, 'nope.txt')}: no such file or directory`,
    );
    expect(s.received).toHaveLength(0);
    const r = await cli([...common, '--system-prompt-file', join(dir, 'system.txt'), '--artifact-dir', join(dir, 'sp')]);
    expect(r.status, r.stderr).toBe(0);
    expect(s.received[0]!.body.messages).toEqual([
      { role: 'system', content: 'Be brief.\nNo lists.\n\nYou are a pirate.' },
      { role: 'user', content: 'hello' },
    ]);
  });

  it('carries the session id under --session-header, and takes --tokenizer-trust-remote-code', async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const out = join(dir, 'session-header');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--request-count',
      '2',
      '--isl',
      '20',
      '--session-header',
      'X-Session-ID',
      '--tokenizer-trust-remote-code',
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const ids = jsonl(join(out, 'profile_export.jsonl')).map((l) => l.metadata.x_correlation_id);
    expect(s.received.map((q) => q.headers['x-session-id']).sort()).toEqual(ids.sort());
    expect(s.received.every((q) => q.headers['x-correlation-id'] === undefined)).toBe(true);
  });

  it("takes AIPerf's sticky-user-sessions for sticky: a connection per single-turn request", async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const out = join(dir, 'sticky');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--request-count',
      '4',
      '--isl',
      '20',
      '--connection-reuse-strategy',
      'sticky-user-sessions',
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    // (The server-metrics scrapes open connections of their own.)
    expect(new Set(s.received.map((q) => q.connection)).size).toBe(4);
    expect(r.stdout).not.toContain('Connection resends');
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.input_config.endpoint.connection_reuse_strategy).toBe('sticky');
    expect(summary.client_connection_resends).toEqual({ unit: 'requests', avg: 0 });
  });

  it('exits 1 when no request succeeded, and still writes the summaries', async () => {
    const s = await serve({ kind: 'status', status: 500 });
    const out = join(dir, 'all-fail');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--streaming',
      '--request-count',
      '4',
      '--isl',
      '20',
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: no request succeeded/);
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.error_request_count.avg).toBe(4);
    expect(summary.error_summary[0].error_details).toEqual({ code: 500, type: 'Internal Server Error', message: 'injected 500' });
    expect(jsonl(join(out, 'profile_export.jsonl')).every((l) => l.error.code === 500)).toBe(true);
  });

  it('exits 1 with one error line, not a hang, when --artifact-dir cannot be created (under /proc)', async () => {
    // Regression: Node's recursive mkdir spins forever on /proc/x; the run never ended.
    // Synchronous with a hard kill: a spinning child ignores SIGTERM (its handler never gets to run).
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'profile',
        '-m',
        'm',
        '--url',
        'http://127.0.0.1:1',
        '--request-count',
        '1',
        '--isl',
        '20',
        '--ui',
        'none',
        '--artifact-dir',
        '/proc/infermark-x',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 15_000,
        killSignal: 'SIGKILL',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: cannot write output file: /proc/infermark-x/profile_export.jsonl: no such file or directory\n');
  }, 20_000);

  it('names an --artifact-dir that is a file in the one-line shape of other output errors (was Node\'s raw "ENOTDIR: …, mkdir" text)', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'profile', '-m', 'm', '--url', 'http://127.0.0.1:1', '--request-count', '1', '--ui', 'none', '--artifact-dir', '/dev/null'],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    expect([r.status, r.stderr]).toEqual([1, 'error: cannot write output file: /dev/null/profile_export.jsonl: not a directory\n']);
  });

  it('runs, without the corpus cache, when INFERMARK_CACHE_DIR cannot be created (under /proc; was a hang)', () => {
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'profile',
        '-m',
        'm',
        '--url',
        'http://127.0.0.1:1',
        '--request-count',
        '1',
        '--isl',
        '5',
        '--ui',
        'none',
        '--no-server-metrics',
        '--artifact-dir',
        join(dir, 'no-cache'),
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, INFERMARK_CACHE_DIR: '/proc/infermark-x/cache' },
        timeout: 30_000,
        killSignal: 'SIGKILL',
      },
    );
    expect([r.status, r.stderr.trimEnd().split('\n').at(-1)]).toEqual([1, 'error: no request succeeded (1 of 1 failed)']);
  }, 40_000);

  it('stops at --failed-request-threshold with exit 1 and keeps the results', async () => {
    const s = await serve((i) => (i % 4 === 0 ? { kind: 'ok', tokens: 1 } : { kind: 'status', status: 429 }));
    const out = join(dir, 'threshold');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--concurrency',
      '2',
      '--request-count',
      '500',
      '--isl',
      '20',
      '--failed-request-threshold',
      '0.5',
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: --failed-request-threshold 0.5 exceeded/);
    const lines = jsonl(join(out, 'profile_export.jsonl'));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThan(500);
    expect(existsSync(join(out, 'profile_export_aiperf.json'))).toBe(true);
  });

  it('keeps going through mixed faults and reports each error type', async () => {
    const plan: Behaviour[] = [
      { kind: 'ok', tokens: 3 },
      { kind: 'status', status: 429 },
      { kind: 'reset', afterTokens: 1 },
      { kind: 'no-done', tokens: 2 },
      { kind: 'sse-error', afterTokens: 1 },
      { kind: 'stall', afterTokens: 1 },
    ];
    const s = await serve((i) => plan[i % plan.length]!);
    const out = join(dir, 'mixed');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--streaming',
      '--concurrency',
      '1',
      '--request-count',
      '6',
      '--isl',
      '20',
      '--request-timeout-seconds',
      '0.5',
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const types = jsonl(join(out, 'profile_export.jsonl'))
      .map((l) => l.error?.type ?? 'ok')
      .sort();
    expect(types).toEqual(['ConnectionError', 'IncompleteStreamError', 'TimeoutError', 'Too Many Requests', 'ok', 'server_error'].sort());
  });

  it('writes the API key and secret headers into no artifact and no log line', async () => {
    const s = await serve({ kind: 'ok', tokens: 2 });
    const out = join(dir, 'secrets');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--streaming',
      '--request-count',
      '3',
      '--isl',
      '20',
      '--ui',
      'none',
      '--export-level',
      'raw',
      '--api-key',
      'sk-TOPSECRET-4242',
      '-H',
      'X-Api-Key: hdr-SECRET-77',
      '--artifact-dir',
      out,
      '--verbose',
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(s.received[0]!.headers.authorization).toBe('Bearer sk-TOPSECRET-4242');
    const written = files(out);
    expect(written.some((f) => f.endsWith('profile_export_raw.jsonl'))).toBe(true);
    expect(written.some((f) => f.endsWith('infermark.log'))).toBe(true);
    for (const f of written) {
      const text = readFileSync(f, 'utf8');
      expect(text.includes('TOPSECRET'), f).toBe(false);
      expect(text.includes('hdr-SECRET'), f).toBe(false);
    }
    expect(r.stdout.includes('TOPSECRET') || r.stderr.includes('TOPSECRET')).toBe(false);
  });

  it('splits the work over --workers 2 and merges every record', async () => {
    const s = await serve({ kind: 'ok', tokens: 4 });
    const out = join(dir, 'workers');
    const r = await cli([
      '-m',
      'm',
      '--url',
      s.url,
      '--streaming',
      '--concurrency',
      '4',
      '--request-count',
      '40',
      '--isl',
      '20',
      '--workers',
      '2',
      '--ui',
      'none',
      '--artifact-dir',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = jsonl(join(out, 'profile_export.jsonl'));
    expect(lines).toHaveLength(40);
    expect(new Set(lines.map((l) => l.metadata.worker_id))).toEqual(new Set(['worker_0', 'worker_1']));
    expect(new Set(lines.map((l) => l.metadata.request_num)).size).toBe(40);
    expect(lines.every((l) => l.metadata.clock_offset_ns === 0)).toBe(true);
    expect(s.received).toHaveLength(40);
  });

  it('on SIGINT stops sending, keeps every finished request, writes valid artifacts and exits 130', async () => {
    const s = await serve({ kind: 'ok', tokens: 30, ttftMs: 20, itlMs: 40 }); // ~1.2 s per request
    const out = join(dir, 'sigint');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'profile',
        '-m',
        'm',
        '--url',
        s.url,
        '--streaming',
        '--concurrency',
        '3',
        '--request-count',
        '1000',
        '--isl',
        '20',
        '--ui',
        'none',
        '--artifact-dir',
        out,
      ],
      {
        cwd: dir,
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // Interrupt once some requests have completed.
    await s.finishedAtLeast(4);
    const sentBefore = s.received.length;
    child.kill('SIGINT');
    const status = await new Promise<number | null>((r) => child.on('exit', r));
    expect(status).toBe(130);
    // Nothing new is sent after the interrupt (at most the requests already being dispatched).
    expect(s.received.length).toBeLessThanOrEqual(sentBefore + 3);
    const lines = jsonl(join(out, 'profile_export.jsonl'));
    const ok = lines.filter((l) => l.error === null);
    expect(ok.length).toBeGreaterThanOrEqual(4);
    expect(ok.length).toBe(s.finished);
    for (const l of lines.filter((x) => x.error !== null)) {
      expect(l.error.type).toBe('RequestCancellationError');
      expect(l.metadata.was_cancelled).toBe(true);
    }
    expect(lines.length).toBe(s.received.length);
    const summary = JSON.parse(readFileSync(join(out, 'profile_export_aiperf.json'), 'utf8'));
    expect(summary.was_cancelled).toBe(true);
    expect(summary.request_count.avg).toBe(ok.length);
    expect(stdout).toMatch(/Run interrupted/);
    expect(files(out).some((f) => /\.tmp-/.test(f))).toBe(false);
  });
});
