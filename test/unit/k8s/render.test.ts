// The manifests of a sharded run (ts/src/k8s/): valid Kubernetes objects that survive a YAML round
// trip, wired so each pod finds shard 0 through the headless Service and writes to the shared claim.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Pod, Secret, Service } from 'kubernetes-models/v1';
import type { RenderPlan } from '../../../ts/src/k8s/manifests.js';
import { profileArguments, rendezvousAddress } from '../../../ts/src/k8s/manifests.js';
import { checkNamespace, runNames } from '../../../ts/src/k8s/names.js';
import { renderRun } from '../../../ts/src/k8s/render.js';
import { UsageError } from '../../../ts/src/errors.js';

function plan(overrides: Partial<RenderPlan> = {}): RenderPlan {
  return {
    names: runNames('bench'),
    namespace: 'perf',
    image: 'registry.example/infermark:1',
    shards: 4,
    profileArgs: ['--model', 'm', '--url', 'http://vllm.perf.svc:8000', '--streaming', '--concurrency', '32'],
    apiKey: null,
    resultsSize: '2Gi',
    storageClass: null,
    cpu: null,
    memory: null,
    ...overrides,
  };
}

const KINDS = { ConfigMap, Secret, PersistentVolumeClaim, Service, Job, Pod } as const;

/** The YAML stream parsed back, each document rebuilt as its kubernetes-models class. */
function parsed(yaml: string) {
  const docs = parseAllDocuments(yaml);
  for (const doc of docs) expect(doc.errors).toEqual([]);
  return docs.map((doc) => {
    const data = doc.toJS() as { kind: keyof typeof KINDS };
    const Model = KINDS[data.kind];
    expect(Model, `unexpected kind ${data.kind}`).toBeDefined();
    return new (Model as new (d: unknown) => { validate(): void; toJSON(): unknown })(data);
  });
}

function byKind<T>(yaml: string, kind: string): T {
  const found = parseAllDocuments(yaml)
    .map((d) => d.toJS() as { kind: string })
    .filter((d) => d.kind === kind);
  expect(found).toHaveLength(1);
  return found[0] as T;
}

describe('k8s render manifests', () => {
  it('round-trip through the YAML parser into objects that validate against the Kubernetes schema', () => {
    for (const p of [plan(), plan({ apiKey: 'sk-secret', storageClass: 'nfs', shards: 1, names: runNames('bench') })]) {
      const objects = parsed(renderRun(p, 'run.yaml').yaml);
      expect(objects.map((o) => (o.toJSON() as { kind: string }).kind)).toEqual(
        p.apiKey === null
          ? ['ConfigMap', 'PersistentVolumeClaim', 'Service', 'Job', 'Pod']
          : ['ConfigMap', 'Secret', 'PersistentVolumeClaim', 'Service', 'Job', 'Pod'],
      );
      for (const object of objects) expect(() => object.validate()).not.toThrow();
    }
  });

  it('the schema check is real: a malformed Job is refused', () => {
    const job = new Job({ metadata: { name: 'x' }, spec: { completions: 'four' as unknown as number, template: {} } });
    expect(() => job.validate()).toThrow(/completions must be integer/);
  });

  it('runs an Indexed Job of N pods at once, never retrying a shard', () => {
    const job = byKind<{ spec: Record<string, unknown> & { template: { spec: Record<string, unknown> } } }>(
      renderRun(plan(), 'run.yaml').yaml,
      'Job',
    );
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimitPerIndex: 0 });
    expect(job.spec.template.spec).toMatchObject({ restartPolicy: 'Never', subdomain: 'bench' });
  });

  it("makes pod 0 reachable as <job>-0.<service> through a headless Service on the rendezvous port that selects the Job's pods", () => {
    const yaml = renderRun(plan(), 'run.yaml').yaml;
    const service = byKind<{
      metadata: { name: string };
      spec: { clusterIP: string; selector: Record<string, string>; ports: { port: number }[] };
    }>(yaml, 'Service');
    const job = byKind<{ metadata: { name: string }; spec: { template: { metadata: { labels: Record<string, string> } } } }>(yaml, 'Job');
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.ports.map((p) => p.port)).toEqual([9470]);
    expect(job.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(rendezvousAddress(plan())).toBe(`${job.metadata.name}-0.${service.metadata.name}.perf.svc:9470`);
  });

  it('gives each pod the shard count and the rendezvous from the ConfigMap, and its own run directory on the shared claim', () => {
    const yaml = renderRun(plan(), 'run.yaml').yaml;
    const config = byKind<{ metadata: { name: string }; data: Record<string, string> }>(yaml, 'ConfigMap');
    expect(config.data['shard-count']).toBe('4');
    expect(config.data['shard-rendezvous']).toBe('bench-0.bench.perf.svc:9470');
    const container = byKind<{
      spec: {
        template: {
          spec: {
            containers: { args: string[]; env: { name: string; valueFrom: Record<string, { name?: string; key?: string }> }[] }[];
            volumes: { persistentVolumeClaim: { claimName: string } }[];
          };
        };
      };
    }>(yaml, 'Job').spec.template.spec;
    const env = Object.fromEntries(container.containers[0]!.env.map((e) => [e.name, e.valueFrom]));
    expect(env['INFERMARK_SHARD_COUNT']).toEqual({ configMapKeyRef: { name: config.metadata.name, key: 'shard-count' } });
    expect(env['INFERMARK_SHARD_RENDEZVOUS']).toEqual({ configMapKeyRef: { name: config.metadata.name, key: 'shard-rendezvous' } });
    expect(Object.keys(env)).toContain('JOB_COMPLETION_INDEX');
    expect(container.containers[0]!.args.slice(-2)).toEqual(['--artifact-dir', '/results/bench/shard-$(JOB_COMPLETION_INDEX)']);
    const claim = byKind<{ metadata: { name: string }; spec: { accessModes: string[]; resources: { requests: { storage: string } } } }>(
      yaml,
      'PersistentVolumeClaim',
    );
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(claim.spec.resources.requests.storage).toBe('2Gi');
    expect(container.volumes[0]!.persistentVolumeClaim.claimName).toBe(claim.metadata.name);
  });

  it('reserves CPU without a limit and caps memory, only when asked', () => {
    type Resources = { spec: { template: { spec: { containers: { resources?: unknown }[] } } } };
    const resources = (p: RenderPlan) =>
      byKind<Resources>(renderRun(p, 'run.yaml').yaml, 'Job').spec.template.spec.containers[0]!.resources;
    expect(resources(plan())).toBeUndefined();
    expect(resources(plan({ cpu: '4', memory: '8Gi' }))).toEqual({ requests: { cpu: '4', memory: '8Gi' }, limits: { memory: '8Gi' } });
    expect(resources(plan({ cpu: '500m' }))).toEqual({ requests: { cpu: '500m' } });
  });

  it('passes the profile flags as typed, a literal $ escaped from Kubernetes variable expansion', () => {
    const args = profileArguments(plan({ profileArgs: ['--model', 'm', '--extra-inputs', 'note:$(HOME) costs $5'] }));
    expect(args.slice(0, 5)).toEqual(['profile', '--model', 'm', '--extra-inputs', 'note:$$(HOME) costs $$5']);
  });

  it('keeps --api-key out of the Job: the pods read it from a Secret', () => {
    const yaml = renderRun(plan({ apiKey: 'sk-secret' }), 'run.yaml').yaml;
    const job = JSON.stringify(byKind(yaml, 'Job'));
    expect(job).not.toContain('sk-secret');
    expect(job).toContain('$(INFERMARK_API_KEY)');
    expect(byKind<{ stringData: Record<string, string> }>(yaml, 'Secret').stringData).toEqual({ 'api-key': 'sk-secret' });
  });

  it('says how to collect the shard directories and the merge command that merges them', () => {
    const run = renderRun(plan(), 'out dir/run.yaml');
    expect(run.mergeCommand).toBe('infermark merge ./bench/shard-* -o ./bench/merged');
    expect(run.steps).toEqual([
      "kubectl apply -f 'out dir/run.yaml'",
      'kubectl -n perf wait --for=condition=complete --timeout=24h job/bench',
      'kubectl -n perf wait --for=condition=Ready pod/bench-collect',
      'kubectl -n perf cp bench-collect:/results/bench ./bench',
      'infermark merge ./bench/shard-* -o ./bench/merged',
      "kubectl delete -f 'out dir/run.yaml'",
    ]);
  });
});

describe('k8s render names', () => {
  it('derives every object name from --name', () => {
    expect(runNames('qwen-c64')).toEqual({
      job: 'qwen-c64',
      service: 'qwen-c64',
      configMap: 'qwen-c64-config',
      resultsClaim: 'qwen-c64-results',
      collector: 'qwen-c64-collect',
      apiKeySecret: 'qwen-c64-api-key',
    });
  });

  it('refuses a name that is not a DNS label a Service can have', () => {
    for (const bad of ['Bench', 'bench_1', '-bench', 'bench-', '1bench', '', 'a.b']) {
      expect(() => runNames(bad), bad).toThrow(UsageError);
    }
    expect(() => runNames('Bench')).toThrow("option '--name <name>': 'Bench' is not a valid name");
  });

  it('refuses a name that leaves no room for the longest derived name', () => {
    expect(() => runNames('a'.repeat(55))).not.toThrow();
    expect(() => runNames('a'.repeat(56))).toThrow(/'a{56}-results' would be 64 characters, and Kubernetes allows 63/);
  });

  it('checks --namespace as a DNS-1123 label', () => {
    expect(checkNamespace('perf-1')).toBe('perf-1');
    expect(() => checkNamespace('Perf')).toThrow("option '--namespace <ns>': 'Perf' is not a valid namespace");
  });
});
