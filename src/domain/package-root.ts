import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The repository's root (where package.json is), found from this module wherever it runs: under
 * src/ with tsx, under dist/ compiled, or bundled into dist/server.mjs. Files the server reads at
 * start-up (the shipped plan map, the welcome templates, the version) are named from it, so moving
 * a module never breaks a relative path.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json não encontrado acima de ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  root = dir;
  return root;
}

/** A file shipped in the repository, by its path from the root (`src/plans.json`). */
export function packageFile(path: string): string {
  return join(packageRoot(), path);
}
