// Damaging a storage node's log on disk for corruption tests: one byte flipped inside the first
// record that holds a marker string (an attribute value the test wrote), in whichever segment.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Flips one byte of `marker` in the first segment of `walDirectory` holding it; its name. */
export async function flipByteInLog(walDirectory: string, marker: string): Promise<string> {
  for (const name of (await readdir(walDirectory)).sort()) {
    const path = join(walDirectory, name);
    const bytes = await readFile(path);
    const at = bytes.indexOf(marker);
    if (at < 0) continue;
    bytes[at + 5] = bytes[at + 5]! ^ 0x20;
    await writeFile(path, bytes);
    return name;
  }
  throw new Error(`no segment in ${walDirectory} holds ${marker}`);
}

/** Whether some segment of `walDirectory` holds `marker`. */
export async function logHolds(walDirectory: string, marker: string): Promise<boolean> {
  for (const name of await readdir(walDirectory)) {
    if ((await readFile(join(walDirectory, name))).includes(marker)) return true;
  }
  return false;
}
