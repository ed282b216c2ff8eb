// `infermark web`: serve the browser app (dist/web, built by scripts/build-web.mjs) on loopback
// until Ctrl-C (docs/cli.md §11). The app runs in the tab; the server only hands out its files.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';
import { embeddedAssets, notInSingleExecutable } from '../embedded-assets.js';
import { EXIT_INTERRUPTED, RuntimeFailure } from '../errors.js';
import { startStaticServer } from '../static-site/static-server.js';
import { untilStopSignal } from './interrupt.js';
import { integerIn } from './option-types.js';

export const WEB_DEFAULT_PORT = 8060;
export const WEB_DEFAULT_HOST = '127.0.0.1';

/** The built app of this installed package: dist/web next to dist/cli. */
const APP_DIR = fileURLToPath(new URL('../web/', import.meta.url));

interface WebOptions {
  port: number;
  host: string;
  open?: boolean;
}

interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The page's own policy (index.html's meta tag), also sent as a header. */
function contentSecurityPolicy(indexHtml: string): string | null {
  return /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(indexHtml)?.[1] ?? null;
}

/** The system's URL opener on PATH (`xdg-open`, or macOS `open`), or null. */
function findOpener(): string | null {
  for (const name of process.platform === 'darwin' ? ['open'] : ['xdg-open']) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

export async function runWeb(opts: WebOptions, streams: Streams): Promise<void> {
  if (embeddedAssets()) throw new RuntimeFailure(notInSingleExecutable('`infermark web` (the browser app)'));
  const index = join(APP_DIR, 'index.html');
  if (!existsSync(index)) {
    throw new RuntimeFailure(`the browser app is not built: ${index} not found`, { hints: ['build it with `npm run build:web`'] });
  }
  const csp = contentSecurityPolicy(readFileSync(index, 'utf8'));
  if (!isLoopback(opts.host)) {
    streams.stderr.write(
      `warning: serving on ${opts.host}, reachable from other machines; the app itself reads files only in the viewer's tab\n`,
    );
  }
  // Listening for Ctrl-C before the listening line is printed: a signal right after it still ends with 130.
  const interrupted = untilStopSignal();
  const server = await startStaticServer({
    root: APP_DIR,
    host: opts.host,
    port: opts.port,
    ...(csp !== null ? { headers: { 'Content-Security-Policy': csp } } : {}),
  });
  streams.stdout.write(`infermark web app listening on ${server.url} (Ctrl-C to stop)\n`);
  if (opts.open) {
    const opener = findOpener();
    if (opener === null) streams.stdout.write(`no xdg-open or open found: open ${server.url} in a browser\n`);
    else
      spawn(opener, [server.url], { stdio: 'ignore', detached: true })
        .on('error', () => undefined)
        .unref();
  }
  await interrupted;
  await server.close();
  process.exitCode = EXIT_INTERRUPTED;
}

/** Add `web` to the program. */
export function registerWeb(program: Command): void {
  program
    .command('web')
    .description('serve the browser app (trace analysis in the tab, nothing uploaded) on 127.0.0.1')
    .addOption(new Option('--port <n>', 'port to listen on (0: any free port)').argParser(integerIn(0, 65535)).default(WEB_DEFAULT_PORT))
    .addOption(
      new Option('--host <host>', 'address to listen on (another than loopback is served with a warning)').default(WEB_DEFAULT_HOST),
    )
    .option('--open', 'open the app in the system browser (xdg-open or open)')
    .action(async function (this: Command) {
      await runWeb(this.opts<WebOptions>(), { stdout: process.stdout, stderr: process.stderr });
    });
}
