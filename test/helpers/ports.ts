// Free TCP ports for tests that must tell a process its ports in advance.
import { createServer } from 'node:net';

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Finds `size` consecutive ports on 127.0.0.1 that are free now, trying at most
 * `attemptsMax` random blocks between 20000 and 60000. Another process may still take one
 * before the test binds it; the range keeps that unlikely.
 */
export async function findFreePortBlock(size: number, attemptsMax = 50): Promise<number> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (40_000 - size));
    let free = true;
    for (let offset = 0; offset < size && free; offset++) free = await canBind(base + offset);
    if (free) return base;
  }
  throw new Error(`no block of ${size} free ports found in ${attemptsMax} attempts`);
}
