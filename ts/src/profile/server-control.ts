// Readiness and server control around one run (docs/cli.md §3.12): before anything is sent, wait
// for the model (`--wait-for-model-timeout`) and reset the KV cache (`--reset-kv-cache`); around the
// profiling phase, start and stop the server profiler (`--server-profiler`). Waiting that times out
// fails the run (exit 1, nothing written); a control call that fails is a warning.
import type { ProfileConfig } from '../config/profile-config.js';
import { controlAgent } from '../load/control-http.js';
import { type ControlOutcome, type ControlTargets, controlWarning, postToOrigins } from '../load/control-hooks.js';
import { waitForModel } from '../load/readiness.js';
import { buildHeaders, type EndpointSettings } from '../load/request-builder.js';
import type { LogLevel } from '../report/log-file.js';

export type Said = readonly [LogLevel, string];

/** The headers a control call carries: what authorizes the run's requests, without their body's type and ids. */
function controlTargets(config: ProfileConfig, settings: EndpointSettings): ControlTargets {
  const e = config.endpoint;
  return {
    urls: e.urls,
    headers: e.urls.map((_, i) => {
      const h = buildHeaders(settings, '', '', e.basicAuthorization[i] ?? null);
      delete h['content-type'];
      delete h['x-request-id'];
      delete h[settings.sessionHeader ?? 'x-correlation-id'];
      return h;
    }),
  };
}

/**
 * Before the run opens its directory: wait for the model, then reset the KV cache. Returns what to
 * log and the warnings for the console footer. A readiness timeout throws RuntimeFailure (exit 1).
 */
export async function prepareServer(
  config: ProfileConfig,
  endpoint: EndpointSettings,
  stderr: { write(text: string): unknown } | null,
  signal: AbortSignal | undefined,
): Promise<{ said: Said[]; warnings: string[] }> {
  const c = config.control;
  const said: Said[] = [];
  const warnings: string[] = [];
  if (c.waitForModel !== null) {
    const w = c.waitForModel;
    await waitForModel({
      urls: config.endpoint.urls,
      basicAuthorization: config.endpoint.basicAuthorization,
      models: config.endpoint.models,
      endpoint,
      timeoutSeconds: w.timeoutSeconds,
      intervalSeconds: w.intervalSeconds,
      mode: w.mode,
      signal,
      progress: (line) => {
        stderr?.write(`${line}\n`);
        said.push(['info', line]);
      },
    });
  }
  if (c.resetKvCache !== null) {
    const r = c.resetKvCache;
    const agent = controlAgent();
    try {
      const outcomes = await postToOrigins(agent, controlTargets(config, endpoint), r.path, {
        timeoutSeconds: r.timeoutSeconds,
        retrySeconds: r.retrySeconds,
        signal,
      });
      report(outcomes, 'KV-cache reset', '--reset-kv-cache-path', said, warnings);
    } finally {
      await agent.close();
    }
  }
  return { said, warnings };
}

function report(outcomes: readonly ControlOutcome[], what: string, flag: string, said: Said[], warnings: string[]): void {
  for (const o of outcomes) {
    if (o.ok) said.push(['info', `${what}: ${o.url} answered ${o.answer}`]);
    else {
      const w = controlWarning(what, flag, o);
      said.push(['warning', w]);
      warnings.push(w);
    }
  }
}

/** `--server-profiler`: start right before the profiling phase (after warmup), stop right after it. */
export class ServerProfiler {
  private readonly agent = controlAgent();
  private started = false;

  constructor(
    private readonly config: ProfileConfig,
    private readonly endpoint: EndpointSettings,
    /** Where each outcome goes: the run log, and the footer for a failure. */
    private readonly tell: (said: Said, warning: boolean) => void,
  ) {}

  static of(config: ProfileConfig, endpoint: EndpointSettings, tell: (said: Said, warning: boolean) => void): ServerProfiler | null {
    return config.control.serverProfiler === null ? null : new ServerProfiler(config, endpoint, tell);
  }

  async start(): Promise<void> {
    const p = this.config.control.serverProfiler!;
    this.started = true;
    this.record(
      await postToOrigins(this.agent, controlTargets(this.config, this.endpoint), p.startPath, { timeoutSeconds: p.timeoutSeconds }),
      'profiler start',
      '--server-profiler-start-path',
    );
  }

  /** Stops what was started (nothing when profiling never began), then lets the connections go. */
  async stop(): Promise<void> {
    const p = this.config.control.serverProfiler!;
    try {
      if (this.started)
        this.record(
          await postToOrigins(this.agent, controlTargets(this.config, this.endpoint), p.stopPath, { timeoutSeconds: p.timeoutSeconds }),
          'profiler stop',
          '--server-profiler-stop-path',
        );
    } finally {
      await this.agent.close();
    }
  }

  private record(outcomes: readonly ControlOutcome[], what: string, flag: string): void {
    for (const o of outcomes) {
      if (o.ok) this.tell(['info', `${what}: ${o.url} answered ${o.answer}`], false);
      else this.tell(['warning', controlWarning(what, flag, o)], true);
    }
  }
}
