// `infermark k8s render`: profile's flags (its option table, reader and config resolution, so a
// wrong flag fails here with exit 2, not in a pod) plus the shape of the run, printed as the
// manifests of a sharded run on a Kubernetes Indexed Job (docs/cli.md §12); ts/src/k8s/ builds them.
import { type Command, InvalidArgumentError, type Option } from 'commander';
import { resolveProfileConfig } from '../config/profile-config.js';
import { PROFILE_DEFAULTS } from '../config/defaults.js';
import { UsageError } from '../errors.js';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { checkOutputPath } from '../io/output-target.js';
import type { RenderPlan } from '../k8s/manifests.js';
import { checkNamespace, DEFAULT_RUN_NAME, runNames } from '../k8s/names.js';
import { addOptionTable, type OptionSpec } from './option-table.js';
import { integerIn, type OptionParser, parsePath } from './option-types.js';
import { addProfileFlags, cliArgv, PROFILE_OPTIONS } from './profile.js';

/** Kubernetes runs at most 100,000 completions of an Indexed Job (with a per-index backoff limit). */
const MAX_SHARDS = 100_000;

/** The flags `k8s render` adds to profile's. */
interface RenderFlags {
  shards?: number;
  image?: string;
  namespace?: string;
  name?: string;
  output?: string;
  resultsSize?: string;
  storageClass?: string;
  cpu?: string;
  memory?: string;
}

const DEFAULT_NAMESPACE = 'default';
const DEFAULT_RESULTS_SIZE = '1Gi';

/** A value with no whitespace: it is written into the manifests as one word. */
const parseWord: OptionParser<string> = (value) => {
  if (value === '' || /\s/.test(value)) throw new InvalidArgumentError(`expected a non-empty value without spaces, got '${value}'`);
  return value;
};

/** A storage size as Kubernetes writes quantities: digits and an optional unit (`500Mi`, `5Gi`, `1T`). */
const parseStorageSize: OptionParser<string> = (value) => {
  if (!/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.test(value) || !/[1-9]/.test(value)) {
    throw new InvalidArgumentError(`expected a positive size such as 500Mi, 5Gi or 1Ti, got '${value}'`);
  }
  return value;
};

/** A CPU quantity as Kubernetes writes it: cores (`4`, `2.5`) or millicores (`500m`). */
const parseCpu: OptionParser<string> = (value) => {
  if (!/^([0-9]+(\.[0-9]+)?|[0-9]+m)$/.test(value) || !/[1-9]/.test(value)) {
    throw new InvalidArgumentError(`expected a positive number of cores such as 4, 2.5 or 500m, got '${value}'`);
  }
  return value;
};

const RENDER_OPTIONS: readonly OptionSpec<RenderFlags>[] = [
  {
    key: 'shards',
    flags: '--shards <n>',
    description: 'pods of the Indexed Job, one shard each (required)',
    parser: integerIn(1, MAX_SHARDS),
  },
  { key: 'image', flags: '--image <image>', description: 'container image whose entrypoint is infermark (required)', parser: parseWord },
  {
    key: 'namespace',
    flags: '--namespace <ns>',
    description: 'namespace of every object',
    parser: parseWord,
    shownDefault: DEFAULT_NAMESPACE,
  },
  {
    key: 'name',
    flags: '--name <name>',
    description: 'name of the Job and its Service; the ConfigMap, claim and collector pod add -config, -results, -collect',
    shownDefault: DEFAULT_RUN_NAME,
  },
  { key: 'output', flags: '-o, --output <file>', description: 'write the manifests to this file instead of stdout', parser: parsePath },
  {
    key: 'resultsSize',
    flags: '--results-size <size>',
    description: 'size of the ReadWriteMany claim the shards write their run directories into',
    parser: parseStorageSize,
    shownDefault: DEFAULT_RESULTS_SIZE,
  },
  {
    key: 'storageClass',
    flags: '--storage-class <class>',
    description: "storage class of the results claim (one that offers ReadWriteMany); default: the cluster's",
    parser: parseWord,
  },
  {
    key: 'cpu',
    flags: '--cpu <cores>',
    description: "CPU each shard pod requests (no limit: throttling would delay the client's time stamps)",
    parser: parseCpu,
    shownDefault: 'none',
  },
  {
    key: 'memory',
    flags: '--memory <size>',
    description: 'memory each shard pod requests, also its limit',
    parser: parseStorageSize,
    shownDefault: 'none',
  },
];

/**
 * Profile's flags as a pod runs them. The render sets each pod's shard flags itself, so those are
 * not offered; nor is `--artifact-dir` (hidden, and refused with the reason when given).
 */
const POD_PROFILE_OPTIONS = PROFILE_OPTIONS.filter((spec) => !spec.flags.includes('--shard-')).map((spec) =>
  spec.key === 'artifactDir' ? { ...spec, hidden: true } : spec,
);

/**
 * Records every profile flag as it appears on the command line, in order, with its value as typed
 * (commander emits `option:<name>` with the raw string before parsing), so the pods get exactly
 * what was validated here, aliases and `--no-…` forms included.
 */
function recordProfileFlags(cmd: Command, own: ReadonlySet<string>): Array<{ option: Option; value: string | undefined }> {
  const given: Array<{ option: Option; value: string | undefined }> = [];
  for (const option of cmd.options) {
    if (own.has(option.attributeName()) || option.long === '--help') continue;
    cmd.on(`option:${option.name()}`, (value: unknown) =>
      given.push({ option, value: option.required || option.optional ? String(value) : undefined }),
    );
  }
  return given;
}

export function registerK8s(program: Command): Command {
  const k8s = program.command('k8s').description('run profile as shards on Kubernetes').helpOption('-h, --help', 'show help');
  const cmd = k8s
    .command('render')
    .description('print the manifests of a sharded profile run on a Kubernetes Indexed Job, and the command that merges it')
    .helpOption('-h, --help', 'show help');
  addOptionTable(cmd, RENDER_OPTIONS);
  const own = new Set(cmd.options.map((o) => o.attributeName()));
  const readFlags = addProfileFlags(cmd, POD_PROFILE_OPTIONS);
  const given = recordProfileFlags(cmd, own);
  cmd.action(async (raw: Record<string, unknown>, command: Command) => {
    const flags = raw as RenderFlags;
    if (flags.shards === undefined) throw new UsageError("required option '--shards <n>' not specified");
    if (flags.image === undefined) throw new UsageError("required option '--image <image>' not specified");
    const options = readFlags(raw, command);
    if (options.artifactDir !== undefined) {
      throw new UsageError(
        "option '--artifact-dir' cannot be used with 'k8s render': each pod writes its run to /results/<name>/shard-<index> on the results claim",
      );
    }
    if ((options.numProfileRuns ?? 1) > 1) {
      throw new UsageError(
        "option '--num-profile-runs' cannot be used with 'k8s render': each pod runs one shard; render the run again to repeat it",
      );
    }
    // Profile's own rules, exactly as the pods will apply them (minus what depends on an --input-file's content).
    resolveProfileConfig(options, cliArgv());
    const names = runNames(flags.name ?? DEFAULT_RUN_NAME);
    const plan: RenderPlan = {
      names,
      namespace: checkNamespace(flags.namespace ?? DEFAULT_NAMESPACE),
      image: flags.image,
      shards: flags.shards,
      profileArgs: given
        .filter((g) => g.option.attributeName() !== 'apiKey')
        .flatMap((g) => (g.value === undefined ? [g.option.long!] : [g.option.long!, g.value])),
      apiKey: options.apiKey ?? null,
      resultsSize: flags.resultsSize ?? DEFAULT_RESULTS_SIZE,
      storageClass: flags.storageClass ?? null,
      cpu: flags.cpu ?? null,
      memory: flags.memory ?? null,
    };
    if (flags.output !== undefined) checkOutputPath(flags.output);
    // kubernetes-models is hundreds of modules: loaded when rendering, not on every CLI start.
    const { renderRun } = await import('../k8s/render.js');
    const run = renderRun(plan, flags.output ?? `${names.job}.yaml`);
    for (const notice of podNotices(options.url, options.inputFile)) process.stderr.write(`notice: ${notice}\n`);
    if (flags.output === undefined) process.stdout.write(run.yaml);
    else writeFileAtomicSync(flags.output, run.yaml);
    const saved = flags.output === undefined ? ` (save this output as ${names.job}.yaml)` : '';
    process.stderr.write(
      `Run it${saved}:\n${run.steps.map((step, i) => `  ${i + 1}. ${step}`).join('\n')}\n` +
        `A lost shard fails the Job after the others end; collect and merge as above, and the merged result is marked partial.\n`,
    );
  });
  return k8s;
}

/** What is easy to get wrong when a command line moves into a pod. */
function podNotices(urls: readonly string[] | undefined, inputFile: string | undefined): string[] {
  const notices: string[] = [];
  const targets = urls && urls.length > 0 ? urls : [PROFILE_DEFAULTS.url];
  if (targets.some((u) => /^(https?:\/\/)?(localhost|127\.[0-9.]+|\[::1\])(:|\/|$)/i.test(u))) {
    notices.push("--url points at localhost, which in a pod is the pod itself; give the server's address in the cluster");
  }
  if (inputFile !== undefined) notices.push(`--input-file ${inputFile} is read inside each pod: bake it into the image or mount it`);
  return notices;
}
