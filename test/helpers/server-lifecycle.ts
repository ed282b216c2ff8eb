// Test servers closed after each test, whatever the test's outcome.
import { afterEach } from 'vitest';

/**
 * Returns `keep`: `keep(await startX())` hands the server back and closes it after the current
 * test. Call once at the top of a test file.
 */
export function closedAfterEachTest(): <T extends { close(): Promise<void> }>(server: T) => T {
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    for (const server of open.splice(0)) await server.close();
  });
  return (server) => {
    open.push(server);
    return server;
  };
}
