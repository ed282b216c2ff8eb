// `infermark k8s render` through the real CLI (ts/src/cli/program.ts): a golden manifest for a
// fixed command line, the file form, and every usage error (exit 2) before anything is printed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Pod, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { main } from '../../ts/src/cli/program.js';

const GOLDEN = resolve(__dirname, '../fixtures/k8s/render-golden.yaml');

/** Runs the CLI in-process; returns the exit code and what it wrote. */
async function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const listeners = new Set(process.stdout.listeners('error'));
  try {
    const code = await main(['node', 'infermark', 'k8s', 'render', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    // main() adds its EPIPE handler on each call; one process runs it once.
    for (const l of process.stdout.listeners('error')) if (!listeners.has(l)) process.stdout.off('error', l as (e: Error) => void);
  }
}

const FIXED = [
  '--model',
  'Qwen/Qwen3-8B',
  '--url',
  'http://vllm.llm.svc.cluster.local:8000',
  '--endpoint-type',
  'chat',
  '--streaming',
  '--concurrency',
  '256',
  '--request-count',
  '20000',
  '--isl',
  '1024',
  '--osl',
  '256',
  '--goodput',
  'time_to_first_token:500 inter_token_latency:50',
  '--shards',
  '8',
  '--image',
  'ghcr.io/example/infermark:0.1.0',
  '--namespace',
  'bench',
  '--name',
  'qwen3-c256',
  '--results-size',
  '5Gi',
  '--cpu',
  '4',
  '--memory',
  '8Gi',
];

const dir = mkdtempSync(join(tmpdir(), 'k8s-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('infermark k8s render', () => {
  it('prints the golden manifests for a fixed command line (UPDATE_GOLDEN=1 rewrites the file)', async () => {
    const result = await run(FIXED);
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, result.stdout);
    expect(result.stdout).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('the golden manifests are five valid Kubernetes objects', () => {
    const docs = parseAllDocuments(readFileSync(GOLDEN, 'utf8'));
    const models = { ConfigMap, PersistentVolumeClaim, Service, Job, Pod } as Record<string, new (d: unknown) => { validate(): void }>;
    expect(docs.map((d) => (d.toJS() as { kind: string }).kind)).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Service', 'Job', 'Pod']);
    for (const doc of docs) new models[(doc.toJS() as { kind: string }).kind]!(doc.toJS()).validate();
  });

  it('prints the steps, with the merge command, on stderr so stdout stays YAML', async () => {
    const result = await run(FIXED);
    expect(result.stderr).toContain('kubectl apply -f qwen3-c256.yaml');
    expect(result.stderr).toContain('kubectl -n bench cp qwen3-c256-collect:/results/qwen3-c256 ./qwen3-c256');
    expect(result.stderr).toContain('infermark merge ./qwen3-c256/shard-* -o ./qwen3-c256/merged');
    expect(result.stdout.startsWith('apiVersion: v1\nkind: ConfigMap\n')).toBe(true);
  });

  it('writes the manifests to -o FILE and prints nothing on stdout', async () => {
    const file = join(dir, 'run.yaml');
    const result = await run([...FIXED, '-o', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(result.stderr).toContain(`kubectl apply -f ${file}`);
  });

  it('passes aliases and --no-… forms to the pods as typed', async () => {
    const result = await run([
      '-m',
      'm',
      '--url',
      'http://s:8000',
      '--num-requests',
      '10',
      '--no-stream-usage',
      '--shards',
      '2',
      '--image',
      'i',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      '- profile\n            - --model\n            - m\n            - --url\n            - http://s:8000\n            - --num-requests\n            - "10"\n            - --no-stream-usage\n            - --artifact-dir\n',
    );
  });

  it('moves --api-key into a Secret: the Job reads it from there and never holds the key', async () => {
    const result = await run([
      '-m',
      'm',
      '--url',
      'http://s:8000',
      '--api-key',
      'sk-abc123',
      '--streaming',
      '--shards',
      '2',
      '--image',
      'i',
    ]);
    expect(result.code).toBe(0);
    const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as { kind: string; stringData?: Record<string, string> });
    expect(docs.find((d) => d.kind === 'Secret')?.stringData).toEqual({ 'api-key': 'sk-abc123' });
    const job = JSON.stringify(docs.find((d) => d.kind === 'Job'));
    expect(job).not.toContain('sk-abc123');
    expect(job).toContain('"--streaming","--api-key","$(INFERMARK_API_KEY)","--artifact-dir"');
  });

  it('warns when the pods would send to their own localhost', async () => {
    const result = await run(['-m', 'm', '--shards', '2', '--image', 'i']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('notice: --url points at localhost');
  });

  it.each([
    [['--shards', '2', '--image', 'i'], "required option '--model <name>' not specified"],
    [
      ['-m', 'm', '--concurrency', '0', '--shards', '2', '--image', 'i'],
      "option '--concurrency <n>': expected an integer in [1, 100000], got '0'",
    ],
    [['-m', 'm', '--bogus', '--shards', '2', '--image', 'i'], "unknown option '--bogus'"],
    [['-m', 'm', '--arrival-pattern', 'gamma', '--shards', '2', '--image', 'i'], "option '--arrival-pattern' requires"],
    [['-m', 'm', '--artifact-dir', 'out', '--shards', '2', '--image', 'i'], "option '--artifact-dir' cannot be used with 'k8s render'"],
    [
      ['-m', 'm', '--num-profile-runs', '3', '--shards', '2', '--image', 'i'],
      "option '--num-profile-runs' cannot be used with 'k8s render'",
    ],
  ])('refuses wrong profile flags with exit 2: %j', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--image', 'i'], "required option '--shards <n>' not specified"],
    [['--shards', '0', '--image', 'i'], "option '--shards <n>': expected an integer in [1, 100000], got '0'"],
    [['--shards', '2.5', '--image', 'i'], "option '--shards <n>': expected an integer in [1, 100000], got '2.5'"],
    [['--shards', '100001', '--image', 'i'], "option '--shards <n>': expected an integer in [1, 100000], got '100001'"],
    [['--shards', '2'], "required option '--image <image>' not specified"],
    [['--shards', '2', '--image', 'i', '--name', 'Bench_1'], "option '--name <name>': 'Bench_1' is not a valid name"],
    [['--shards', '2', '--image', 'i', '--name', 'a'.repeat(60)], 'Kubernetes allows 63'],
    [['--shards', '2', '--image', 'i', '--namespace', 'Perf'], "'Perf' is not a valid namespace"],
    [
      ['--shards', '2', '--image', 'i', '--cpu', '0'],
      "option '--cpu <cores>': expected a positive number of cores such as 4, 2.5 or 500m, got '0'",
    ],
    [['--shards', '2', '--image', 'i', '--memory', '8 GiB'], "option '--memory <size>': expected a positive size"],
    [
      ['--shards', '2', '--image', 'i', '--results-size', '5GB'],
      "option '--results-size <size>': expected a positive size such as 500Mi, 5Gi or 1Ti, got '5GB'",
    ],
  ])('refuses a bad run shape with exit 2: %j', async (args, message) => {
    const result = await run(['-m', 'm', '--url', 'http://s:8000', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe('');
  });
});
