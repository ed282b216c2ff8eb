// Waiting for the model before any load (`--wait-for-model-timeout`, docs/cli.md §3.12). Every
// `--url` is probed until it answers as AIPerf 0.13's probe wants: `models` finds each model in
// `GET /v1/models` (a server without that route passes when its base URL answers 2xx); `inference`
// gets an answer below 500 to a one-token request; `both` runs the first, then the second. The URLs
// are probed side by side under one deadline, so several servers starting together cost the wait of
// the slowest rather than the sum (AIPerf probes them one after the other, each with the whole timeout).
import { randomUUID } from 'node:crypto';
import type { Agent } from 'undici';
import type { WaitForModelMode } from '../config/server-control-config.js';
import { EXIT_INTERRUPTED, InfermarkError, RuntimeFailure } from '../errors.js';
import { type ControlAnswer, controlAgent, controlCall, describeAnswer, pause } from './control-http.js';
import { buildHeaders, type EndpointSettings } from './request-builder.js';

export interface ReadinessOptions {
  urls: readonly string[];
  /** Per URL, its Basic authorization or null (replaced by `--api-key` / `-H Authorization`, as requests are). */
  basicAuthorization: ReadonlyArray<string | null>;
  models: readonly string[];
  endpoint: EndpointSettings;
  timeoutSeconds: number;
  intervalSeconds: number;
  mode: WaitForModelMode;
  /** One line per probe that was not ready and one per URL once ready (the CLI passes stderr). */
  progress: (line: string) => void;
  /** Aborting it stops waiting (Ctrl-C): the run then sends nothing. */
  signal?: AbortSignal;
}

/** The probe's prompt: one short word keeps the cost and the cache footprint of a paid probe minimal. */
const PROBE_PROMPT = 'Lo';
/** Per-probe floors: a models list is quick, but the first forward pass of a fresh model can take seconds. */
const MODELS_PROBE_FLOOR_S = 5;
const INFERENCE_PROBE_FLOOR_S = 30;
/** The shortest limit of one probe, even when the deadline is nearer: the last probe may end up to this much after it. */
const MIN_PROBE_MS = 1000;

/** 408 and 429 say "not now" rather than "this request is wrong": probed again, unlike other 4xx. */
function inferenceReady(a: ControlAnswer): boolean {
  return a.status !== null && a.status < 500 && a.status !== 408 && a.status !== 429;
}

function listsModel(a: ControlAnswer, model: string): boolean {
  if (a.status !== 200) return false;
  try {
    const data = (JSON.parse(a.text) as { data?: unknown }).data;
    return Array.isArray(data) && data.some((m) => (m as { id?: unknown } | null)?.id === model);
  } catch {
    return false;
  }
}

interface Probe {
  /** What the progress lines call it: `GET http://…/v1/models`. */
  label: string;
  /** One attempt: ready, and what it saw. */
  attempt(timeoutMs: number, signal: AbortSignal | undefined): Promise<{ ready: boolean; seen: string }>;
  floorS: number;
}

/** Probe every URL until ready; throws RuntimeFailure (exit 1) naming the URL and the last answer at the deadline. */
export async function waitForModel(o: ReadinessOptions): Promise<void> {
  const agent = controlAgent();
  const deadline = performance.now() + o.timeoutSeconds * 1000;
  const began = performance.now();
  const elapsed = (): string => `${((performance.now() - began) / 1000).toFixed(1)} s of ${o.timeoutSeconds} s`;
  // The first URL that fails ends the others' probing too: the run fails with its message.
  const failed = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, failed.signal]) : failed.signal;
  const stopped = (url: string): boolean => {
    if (o.signal?.aborted) throw interrupted(url);
    return failed.signal.aborted;
  };
  try {
    // Settled, not raced: every URL's probing has ended (aborted by the first failure) before the agent closes.
    const outcomes = await Promise.allSettled(
      o.urls.map(async (url, i) => {
        try {
          const headers = buildHeaders(o.endpoint, randomUUID(), randomUUID(), o.basicAuthorization[i] ?? null);
          const probes: Probe[] = [];
          if (o.mode !== 'inference') probes.push(modelsProbe(agent, url, headers, o.models));
          if (o.mode !== 'models') probes.push(...o.models.map((m) => inferenceProbe(agent, url, headers, o.endpoint, m)));
          for (const probe of probes) {
            let attempts = 0;
            for (;;) {
              if (stopped(url)) return;
              attempts += 1;
              // Bounded by the deadline, but never below a second: a probe cut shorter could only time
              // out, and its "no answer" would hide what the server really says (a 503 while loading).
              const left = deadline - performance.now();
              const limitMs = Math.max(Math.min(Math.max(o.intervalSeconds, probe.floorS) * 1000, left), MIN_PROBE_MS);
              const { ready, seen } = await probe.attempt(limitMs, signal);
              if (stopped(url)) return;
              if (ready) {
                o.progress(`ready: ${url} (${probe.label}: ${seen}; attempt ${attempts}, ${elapsed()})`);
                break;
              }
              const timedOut = (): RuntimeFailure =>
                new RuntimeFailure(
                  `the model did not become ready at ${url} within ${o.timeoutSeconds} s (--wait-for-model-mode ${o.mode}, ` +
                    `${attempts} probe${attempts === 1 ? '' : 's'}); the last one, ${probe.label}, got ${seen}`,
                );
              if (deadline - performance.now() <= 0) throw timedOut();
              o.progress(`waiting for the model at ${url}: ${probe.label} got ${seen} (attempt ${attempts}, ${elapsed()})`);
              await pause(Math.min(o.intervalSeconds * 1000, deadline - performance.now()), signal);
              if (stopped(url)) return;
              // No probe is sent with no time left: it could only time out, and would hide what the last one got.
              if (deadline - performance.now() <= 0) throw timedOut();
            }
          }
        } catch (err) {
          failed.abort();
          throw err;
        }
      }),
    );
    // The first failure in `--url` order (an interrupt, or a URL's deadline).
    const rejected = outcomes.find((r) => r.status === 'rejected');
    if (rejected) throw rejected.reason;
  } finally {
    await agent.close();
  }
}

function modelsProbe(agent: Agent, url: string, headers: Record<string, string>, models: readonly string[]): Probe {
  const modelsUrl = `${url.replace(/\/+$/, '')}/v1/models`;
  return {
    label: `GET ${modelsUrl}`,
    floorS: MODELS_PROBE_FLOOR_S,
    async attempt(timeoutMs, signal) {
      const answer = await controlCall(agent, 'GET', modelsUrl, { headers, timeoutMs, signal });
      if (answer.status === 404) {
        // A server without a model list passes when it answers at all (AIPerf's fallback).
        const base = await controlCall(agent, 'GET', url, { headers, timeoutMs, signal });
        const ok = base.status !== null && base.status >= 200 && base.status < 300;
        return { ready: ok, seen: `404, and GET ${url} got ${describeAnswer(base)}` };
      }
      const missing = models.filter((m) => !listsModel(answer, m));
      if (answer.status === 200 && missing.length > 0)
        return { ready: false, seen: `200 without ${missing.map((m) => `'${m}'`).join(', ')}` };
      return { ready: answer.status === 200, seen: answer.status === 200 ? '200' : describeAnswer(answer) };
    },
  };
}

function inferenceProbe(agent: Agent, url: string, headers: Record<string, string>, endpoint: EndpointSettings, model: string): Probe {
  const target = `${url.replace(/\/+$/, '')}${endpoint.path}`;
  // Non-streaming and one token, whatever the run sends: the probe asks "can it answer", nothing more.
  const body =
    endpoint.type === 'chat'
      ? { model, messages: [{ role: 'user', content: PROBE_PROMPT }], max_tokens: 1 }
      : { model, prompt: PROBE_PROMPT, max_tokens: 1 };
  const json = JSON.stringify(body);
  return {
    label: `POST ${target} (model '${model}')`,
    floorS: INFERENCE_PROBE_FLOOR_S,
    async attempt(timeoutMs, signal) {
      const a = await controlCall(agent, 'POST', target, { headers, body: json, timeoutMs, signal });
      const ready = inferenceReady(a);
      // A ready answer is named by its status only: its body is the model's one token.
      return { ready, seen: ready && a.status! < 300 ? String(a.status) : describeAnswer(a) };
    },
  };
}

/** Ctrl-C while waiting: exit 130, as an interrupted run (nothing was sent or written). */
function interrupted(url: string): InfermarkError {
  return new InfermarkError(`interrupted while waiting for the model at ${url}; nothing was sent`, EXIT_INTERRUPTED);
}
