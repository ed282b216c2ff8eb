// The single-file executable's main script (docs/single-executable.md): what ts/src/bin.ts does,
// without top-level await, which a CommonJS main script (the only kind Node 20 runs) cannot have.
import cluster from 'node:cluster';
import { main } from '../src/cli/program.js';

// cluster.fork() (serve-mock --workers) starts `execPath process.argv[1] …arguments`. In a single
// executable, Node makes argv[1] the executable itself in every process, so a cluster worker
// finds the primary's argv[1] once more in front of its arguments: dropped here.
const argv = cluster.isWorker ? [process.argv[0]!, ...process.argv.slice(2)] : process.argv;

main(argv).then((code) => {
  if (code !== 0) process.exitCode = code;
});
