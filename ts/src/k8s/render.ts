// `infermark k8s render`'s output (docs/cli.md §12): the objects of `manifests.ts` as one
// multi-document YAML stream, and the steps that run, collect and merge the run.
import { stringify } from 'yaml';
import { type RenderPlan, RESULTS_MOUNT, runManifests } from './manifests.js';

export interface RenderedRun {
  /** Multi-document YAML, `kubectl apply -f` input. */
  yaml: string;
  /** The `infermark merge` command line that merges the collected shard directories. */
  mergeCommand: string;
  /** What to run, in order, after rendering: apply, wait, collect, merge, clean up. */
  steps: string[];
}

/** Quotes `value` for a POSIX shell when it holds anything but plain path characters. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * The directories `kubectl cp` brings back are `./<job>/shard-<index>`; the glob keeps the line
 * short for hundreds of shards (a missing shard is seen by merge from the others' shard count).
 */
function mergeCommandFor(plan: RenderPlan): string {
  const local = shellWord(`./${plan.names.job}`);
  return `infermark merge ${local}/shard-* -o ${local}/merged`;
}

function stepsFor(plan: RenderPlan, manifestFile: string, mergeCommand: string): string[] {
  const kubectl = `kubectl -n ${plan.namespace}`;
  const remote = `${RESULTS_MOUNT}/${plan.names.job}`;
  const file = shellWord(manifestFile);
  return [
    `kubectl apply -f ${file}`,
    `${kubectl} wait --for=condition=complete --timeout=24h job/${plan.names.job}`,
    `${kubectl} wait --for=condition=Ready pod/${plan.names.collector}`,
    `${kubectl} cp ${plan.names.collector}:${remote} ./${plan.names.job}`,
    mergeCommand,
    `kubectl delete -f ${file}`,
  ];
}

/**
 * Renders the run. `manifestFile` is where the YAML will be (the `-o` file, or a name the user is
 * told to save stdout under), for the steps.
 */
export function renderRun(plan: RenderPlan, manifestFile: string): RenderedRun {
  const mergeCommand = mergeCommandFor(plan);
  const objects = runManifests(plan, mergeCommand);
  // `lineWidth: 0`: long argument lists stay on one line each, so a diff of two renders reads well.
  const yaml = objects.map((object) => stringify(object.toJSON(), { lineWidth: 0 })).join('---\n');
  return { yaml, mergeCommand, steps: stepsFor(plan, manifestFile, mergeCommand) };
}
