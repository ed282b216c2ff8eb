// The single-file executable's main script (docs/single-executable.md): what ts/src/bin.ts does,
// without top-level await, which a CommonJS main script (the only kind Node 20 runs) cannot have.
import { main } from '../src/cli/program.js';

main(process.argv).then((code) => {
  if (code !== 0) process.exitCode = code;
});
