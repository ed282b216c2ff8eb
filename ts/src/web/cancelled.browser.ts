// The rejection of a job stopped by the page's Cancel (not an error to show).
export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'JobCancelled';
  }
}

/** Throw `JobCancelled` when `signal` is aborted; called between chunks. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new JobCancelled();
}
