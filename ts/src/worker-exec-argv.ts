/**
 * The process's flags for a worker thread, without `--input-type`: a thread inherits the flags but
 * not the `-e` source they were for, and Node 20 then refuses to start it
 * (`ERR_INPUT_TYPE_NOT_ALLOWED`; nodejs/node#54979), as under `node --input-type=module -e "…"`.
 * Every `new Worker` of infermark passes this as its `execArgv`.
 */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const flag = process.execArgv[i]!;
    if (flag === '--input-type') i++;
    else if (!flag.startsWith('--input-type=')) out.push(flag);
  }
  return out;
}
