// `--wait-for-model-*` (docs/cli.md §3.12): the probe waits through a server's loading answers,
// reports each probe, and at the deadline fails naming the URL and what the last probe got.
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeFailure } from '../../../ts/src/errors.js';
import { waitForModel, type ReadinessOptions } from '../../../ts/src/load/readiness.js';
import { startMockServer, type MockServerHandle } from '../../../ts/src/server/mock-server.js';
import { endpointOf } from '../../helpers/engine-options.js';

const servers: MockServerHandle[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function mock(options: { modelsReadyDelaySeconds?: number; inferenceReadyDelaySeconds?: number }): Promise<MockServerHandle> {
  const s = await startMockServer({ port: 0, latencyModel: 'none', tokenizer: false, tokenizerThreads: 0, ...options });
  servers.push(s);
  return s;
}

function options(url: string, more: Partial<ReadinessOptions>, lines: string[]): ReadinessOptions {
  return {
    urls: [url],
    basicAuthorization: [null],
    models: ['mock-model'],
    endpoint: endpointOf('chat'),
    timeoutSeconds: 20,
    intervalSeconds: 0.1,
    mode: 'inference',
    progress: (line) => lines.push(line),
    ...more,
  };
}

describe('waitForModel', () => {
  it('waits through 503 answers until the server loaded the model (inference mode)', async () => {
    const s = await mock({ inferenceReadyDelaySeconds: 0.8 });
    const lines: string[] = [];
    const began = performance.now();
    await waitForModel(options(s.url, {}, lines));
    expect(performance.now() - began).toBeGreaterThan(600);
    const waiting = lines.filter((l) => l.startsWith('waiting for the model'));
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    expect(waiting[0]).toContain(`POST ${s.url}/v1/chat/completions (model 'mock-model') got 503`);
    expect(lines.at(-1), lines.join('\n')).toMatch(new RegExp(`^ready: ${s.url} \\(POST .* 200; attempt \\d+`));
  });

  it('in models mode waits until /v1/models lists the model, then (both) until it answers', async () => {
    const s = await mock({ modelsReadyDelaySeconds: 0.5, inferenceReadyDelaySeconds: 0.9 });
    const lines: string[] = [];
    await waitForModel(options(s.url, { mode: 'both' }, lines));
    expect(lines.some((l) => l.includes(`GET ${s.url}/v1/models got 200 without 'mock-model'`))).toBe(true);
    expect(lines.filter((l) => l.startsWith('ready:')).map((l) => l.split(' (')[1]!.split(': ')[0])).toEqual([
      `GET ${s.url}/v1/models`,
      `POST ${s.url}/v1/chat/completions`,
    ]);
  });

  it('fails at the deadline naming the URL and the last answer', async () => {
    const s = await mock({ inferenceReadyDelaySeconds: 60 });
    const lines: string[] = [];
    const failure = await waitForModel(options(s.url, { timeoutSeconds: 0.5 }, lines)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RuntimeFailure);
    expect((failure as Error).message).toMatch(
      new RegExp(
        `^the model did not become ready at ${s.url} within 0.5 s \\(--wait-for-model-mode inference, \\d+ probes\\); the last one, POST ${s.url}/v1/chat/completions \\(model 'mock-model'\\), got 503 .*Model is loading`,
      ),
    );
  });

  it('reports a server that is not listening by its connection error', async () => {
    const s = await mock({});
    const url = s.url;
    await s.close();
    servers.length = 0;
    const failure = await waitForModel(options(url, { timeoutSeconds: 0.3, mode: 'models' }, [])).catch((e: unknown) => e);
    expect((failure as Error).message).toContain(`GET ${url}/v1/models, got ECONNREFUSED`);
  });

  it('probes several URLs side by side under one deadline and names the one that never got ready', async () => {
    const ready = await mock({ inferenceReadyDelaySeconds: 0.3 });
    const loading = await mock({ inferenceReadyDelaySeconds: 60 });
    const lines: string[] = [];
    const began = performance.now();
    const failure = await waitForModel({
      ...options(ready.url, { timeoutSeconds: 1 }, lines),
      urls: [ready.url, loading.url],
      basicAuthorization: [null, null],
    }).catch((e: unknown) => e);
    expect((failure as Error).message).toContain(`did not become ready at ${loading.url} within 1 s`);
    expect(lines.some((l) => l.startsWith(`ready: ${ready.url}`))).toBe(true);
    // One deadline for both, not one each (and at most a second's probe past it).
    expect(performance.now() - began).toBeLessThan(2500);
  });
});
