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
 * `attemptsMax` random blocks between 20000 and 32000 — below Linux's ephemeral range
 * (32768–60999), where every outgoing connection and every `listen(0)` of the other tests
 * running meanwhile draws its port (a block there was taken between a `npm start` and its
 * restart once). Another test choosing a block may still overlap; the range keeps that rare.
 */
export async function findFreePortBlock(size: number, attemptsMax = 50): Promise<number> {
  for (let attempt = 0; attempt < attemptsMax; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - size));
    let free = true;
    for (let offset = 0; offset < size && free; offset++) free = await canBind(base + offset);
    if (free) return base;
  }
  throw new Error(`no block of ${size} free ports found in ${attemptsMax} attempts`);
}
