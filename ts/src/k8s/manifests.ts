// The Kubernetes objects of a sharded run (docs/cli.md §12), built as typed kubernetes-models
// objects and validated against the Kubernetes schema: an Indexed Job of N pods, each running
// `infermark profile` as shard JOB_COMPLETION_INDEX of N; a headless Service through which the
// others reach shard 0's rendezvous; a ConfigMap with the run's configuration; a ReadWriteMany
// claim every pod writes its run directory into; a Pod that mounts the claim for collection; and,
// with --api-key, a Secret so the key is not spelled out in the Job.
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Pod, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer, IEnvVar, IPodSecurityContext, IResourceRequirements, ISecurityContext } from 'kubernetes-models/v1';
import { SHARD_DEFAULTS, SHARD_ENV } from '../config/defaults.js';
import type { RunNames } from './names.js';

/** The port shard 0 serves the rendezvous on: profile's default `--shard-rendezvous-port`. */
export const RENDEZVOUS_PORT = SHARD_DEFAULTS.rendezvousPort;
/** Where the results claim is mounted in every pod. */
export const RESULTS_MOUNT = '/results';
/** The user the image runs as (the Dockerfile's `USER`); numeric, so `runAsNonRoot` can be checked. */
const RUN_AS_USER = 1000;

export interface RenderPlan {
  names: RunNames;
  namespace: string;
  image: string;
  shards: number;
  /** Profile's flags as given, in order, without `--api-key` (it comes from the Secret). */
  profileArgs: readonly string[];
  apiKey: string | null;
  /** The results claim's size, a Kubernetes quantity (`5Gi`). */
  resultsSize: string;
  storageClass: string | null;
  /** Each shard pod's CPU request (a Kubernetes quantity), or null for none. */
  cpu: string | null;
  /** Each shard pod's memory request and limit, or null for none. */
  memory: string | null;
}

export type RenderedObject = ConfigMap | Secret | Service | PersistentVolumeClaim | Job | Pod;

/** `<name>-0.<service>.<namespace>.svc:9470`: pod 0's name through the headless Service. */
export function rendezvousAddress(plan: RenderPlan): string {
  return `${plan.names.job}-0.${plan.names.service}.${plan.namespace}.svc:${RENDEZVOUS_PORT}`;
}

/** The directory of the run of shard `index` (a number, or a `$(VAR)` reference) on the claim. */
export function shardDirectory(plan: RenderPlan, index: number | string): string {
  return `${RESULTS_MOUNT}/${plan.names.job}/shard-${index}`;
}

/**
 * Kubernetes expands `$(VAR)` in a container's arguments and turns `$$` into `$`; doubling every
 * `$` keeps a user's value exactly as typed.
 */
function literalArgument(value: string): string {
  return value.replaceAll('$', '$$$$');
}

/** The container's arguments after the image's `infermark` entrypoint. */
export function profileArguments(plan: RenderPlan): string[] {
  return [
    'profile',
    ...plan.profileArgs.map(literalArgument),
    ...(plan.apiKey === null ? [] : ['--api-key', '$(INFERMARK_API_KEY)']),
    '--artifact-dir',
    shardDirectory(plan, `$(${SHARD_ENV.index})`),
  ];
}

function labels(plan: RenderPlan, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'infermark',
    'app.kubernetes.io/instance': plan.names.job,
    'app.kubernetes.io/component': component,
  };
}

const POD_SECURITY: IPodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS_USER,
  runAsGroup: RUN_AS_USER,
  // Makes the claim writable by that group where the volume type honours it.
  fsGroup: RUN_AS_USER,
  seccompProfile: { type: 'RuntimeDefault' },
};

const CONTAINER_SECURITY: ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

const RESULTS_VOLUME = 'results';

function shardEnv(plan: RenderPlan): IEnvVar[] {
  const fromConfig = (name: string, key: string): IEnvVar => ({
    name,
    valueFrom: { configMapKeyRef: { name: plan.names.configMap, key } },
  });
  return [
    // The Job controller sets this variable itself; it is declared here too (from the same
    // annotation) so that `$(JOB_COMPLETION_INDEX)` in the arguments is expanded by the kubelet.
    {
      name: SHARD_ENV.index,
      valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
    },
    fromConfig(SHARD_ENV.count, 'shard-count'),
    fromConfig(SHARD_ENV.rendezvous, 'shard-rendezvous'),
    ...(plan.apiKey === null
      ? []
      : [{ name: 'INFERMARK_API_KEY', valueFrom: { secretKeyRef: { name: plan.names.apiKeySecret, key: 'api-key' } } }]),
  ];
}

/**
 * A CPU request reserves the cores but sets no limit: CFS throttling would stall the event loop
 * that stamps each chunk's arrival and show up as server latency. Memory is requested and capped.
 */
function shardResources(plan: RenderPlan): IResourceRequirements | null {
  if (plan.cpu === null && plan.memory === null) return null;
  return {
    requests: { ...(plan.cpu === null ? {} : { cpu: plan.cpu }), ...(plan.memory === null ? {} : { memory: plan.memory }) },
    ...(plan.memory === null ? {} : { limits: { memory: plan.memory } }),
  };
}

function shardContainer(plan: RenderPlan): IContainer {
  const resources = shardResources(plan);
  return {
    name: 'infermark',
    image: plan.image,
    args: profileArguments(plan),
    env: shardEnv(plan),
    ports: [{ name: 'rendezvous', containerPort: RENDEZVOUS_PORT, protocol: 'TCP' }],
    ...(resources === null ? {} : { resources }),
    volumeMounts: [{ name: RESULTS_VOLUME, mountPath: RESULTS_MOUNT }],
    securityContext: CONTAINER_SECURITY,
  };
}

function job(plan: RenderPlan): Job {
  return new Job({
    metadata: { name: plan.names.job, namespace: plan.namespace, labels: labels(plan, 'shard') },
    spec: {
      completionMode: 'Indexed',
      completions: plan.shards,
      parallelism: plan.shards,
      // A shard is never retried: a restarted pod would miss the common start (or, as shard 0,
      // wait for shards that have already started) and send its share twice. Per index, so one
      // lost shard does not stop the others; the merge then marks the result partial.
      backoffLimitPerIndex: 0,
      template: {
        metadata: { labels: labels(plan, 'shard') },
        spec: {
          // With the headless Service of the same name, pod K is `<job>-K.<service>` in DNS.
          subdomain: plan.names.service,
          restartPolicy: 'Never',
          securityContext: POD_SECURITY,
          containers: [shardContainer(plan)],
          volumes: [{ name: RESULTS_VOLUME, persistentVolumeClaim: { claimName: plan.names.resultsClaim } }],
        },
      },
    },
  });
}

function service(plan: RenderPlan): Service {
  return new Service({
    metadata: { name: plan.names.service, namespace: plan.namespace, labels: labels(plan, 'rendezvous') },
    spec: {
      clusterIP: 'None',
      // Pod 0's name must resolve as soon as it runs; the shards have no readiness probe to wait for.
      publishNotReadyAddresses: true,
      selector: labels(plan, 'shard'),
      ports: [{ name: 'rendezvous', port: RENDEZVOUS_PORT, targetPort: 'rendezvous', protocol: 'TCP' }],
    },
  });
}

function configMap(plan: RenderPlan, mergeCommand: string): ConfigMap {
  return new ConfigMap({
    metadata: { name: plan.names.configMap, namespace: plan.namespace, labels: labels(plan, 'config') },
    data: {
      'shard-count': String(plan.shards),
      'shard-rendezvous': rendezvousAddress(plan),
      image: plan.image,
      // As typed (before the `$` escaping of the Job's arguments); the shards add --artifact-dir and the key.
      'profile-flags.json': `${JSON.stringify(plan.profileArgs, null, 2)}\n`,
      'merge-command': mergeCommand,
    },
  });
}

function apiKeySecret(plan: RenderPlan, apiKey: string): Secret {
  return new Secret({
    metadata: { name: plan.names.apiKeySecret, namespace: plan.namespace, labels: labels(plan, 'config') },
    type: 'Opaque',
    stringData: { 'api-key': apiKey },
  });
}

function resultsClaim(plan: RenderPlan): PersistentVolumeClaim {
  return new PersistentVolumeClaim({
    metadata: { name: plan.names.resultsClaim, namespace: plan.namespace, labels: labels(plan, 'results') },
    spec: {
      // Every shard pod writes at once, possibly from different nodes.
      accessModes: ['ReadWriteMany'],
      resources: { requests: { storage: plan.resultsSize } },
      ...(plan.storageClass === null ? {} : { storageClassName: plan.storageClass }),
    },
  });
}

/** A Pod that only holds the claim mounted, so `kubectl cp` and `kubectl exec` can reach the results after the shards have ended. */
function collector(plan: RenderPlan): Pod {
  return new Pod({
    metadata: { name: plan.names.collector, namespace: plan.namespace, labels: labels(plan, 'collect') },
    spec: {
      restartPolicy: 'Never',
      securityContext: POD_SECURITY,
      containers: [
        {
          name: 'collect',
          image: plan.image,
          command: ['sleep', 'infinity'],
          volumeMounts: [{ name: RESULTS_VOLUME, mountPath: RESULTS_MOUNT }],
          securityContext: CONTAINER_SECURITY,
        },
      ],
      volumes: [{ name: RESULTS_VOLUME, persistentVolumeClaim: { claimName: plan.names.resultsClaim } }],
    },
  });
}

/**
 * Every object of the run, in the order `kubectl apply` should create them (what the Job's pods
 * refer to first), each validated against the Kubernetes schema; a failure there is a bug here.
 */
export function runManifests(plan: RenderPlan, mergeCommand: string): RenderedObject[] {
  const objects: RenderedObject[] = [
    configMap(plan, mergeCommand),
    ...(plan.apiKey === null ? [] : [apiKeySecret(plan, plan.apiKey)]),
    resultsClaim(plan),
    service(plan),
    job(plan),
    collector(plan),
  ];
  for (const object of objects) object.validate();
  return objects;
}
