// The names of a rendered run (docs/cli.md §12): one `--name` from which the Job, its headless
// Service, ConfigMap, results claim and collector Pod are named, each checked against the rules
// Kubernetes applies, so a bad name is a usage error at render time rather than a rejected apply.
import { UsageError } from '../errors.js';

/** The default `--name`. */
export const DEFAULT_RUN_NAME = 'infermark';

/** Kubernetes' limit on a DNS label (RFC 1123), which object names, hostnames and label values share. */
const MAX_LABEL_LENGTH = 63;

/**
 * RFC 1035 label as Kubernetes checks a Service name: lower-case alphanumerics and '-', starting
 * with a letter and ending with an alphanumeric. The run name is also the Service's name, so it
 * obeys the stricter rule; every derived name is then a valid RFC 1123 label too.
 */
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 label: as above, but it may start with a digit (namespaces, pod hostnames). */
const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface RunNames {
  /** The Indexed Job; its pods' hostnames are `<job>-<index>`. */
  job: string;
  /** The headless Service of the rendezvous (also the pods' `subdomain`). */
  service: string;
  configMap: string;
  /** The ReadWriteMany claim every pod writes its run directory into. */
  resultsClaim: string;
  /** The Pod that mounts the results claim, for `kubectl cp` and `kubectl exec … infermark merge`. */
  collector: string;
  /** The Secret holding `--api-key`, so the key is not in the Job's arguments. */
  apiKeySecret: string;
}

/** Whether `value` is a DNS-1123 label (at most 63 characters). */
export function isDns1123Label(value: string): boolean {
  return value.length <= MAX_LABEL_LENGTH && DNS_1123_LABEL.test(value);
}

/**
 * The names of a run called `name`. Throws a UsageError naming the flag when `name` is not an
 * RFC 1035 label or leaves no room for the longest derived name (`<name>-results`).
 */
export function runNames(name: string): RunNames {
  if (!DNS_1035_LABEL.test(name)) {
    throw new UsageError(
      `option '--name <name>': '${name}' is not a valid name: use lower-case letters, digits and '-', starting with a letter and ending with a letter or digit`,
    );
  }
  const names: RunNames = {
    job: name,
    service: name,
    configMap: `${name}-config`,
    resultsClaim: `${name}-results`,
    collector: `${name}-collect`,
    apiKeySecret: `${name}-api-key`,
  };
  // The pods' hostnames `<name>-<index>` add at most 6 characters (`-99999`), fewer than `-results`.
  for (const derived of Object.values(names)) {
    if (derived.length > MAX_LABEL_LENGTH) {
      throw new UsageError(
        `option '--name <name>': '${name}' is too long: '${derived}' would be ${derived.length} characters, and Kubernetes allows ${MAX_LABEL_LENGTH}`,
      );
    }
  }
  return names;
}

/** Checks `--namespace` (an RFC 1123 label, as Kubernetes requires). */
export function checkNamespace(namespace: string): string {
  if (!isDns1123Label(namespace)) {
    throw new UsageError(
      `option '--namespace <ns>': '${namespace}' is not a valid namespace: at most ${MAX_LABEL_LENGTH} lower-case letters, digits and '-', starting and ending with a letter or digit`,
    );
  }
  return namespace;
}
