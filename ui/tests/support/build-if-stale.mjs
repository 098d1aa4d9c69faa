// Builds ui/dist when it is missing or older than any source file, so `npm test` always runs
// the browser tests against the current code without rebuilding needlessly.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = join(ui, 'dist', 'index.html');
const inputs = ['src', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json', '../samples/thumbnails'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
const sourcesAt = Math.max(...inputs.map((p) => join(ui, p)).filter(existsSync).map(newest));
if (sourcesAt > builtAt) {
  console.log('ui/dist is out of date: building…');
  execFileSync('npm', ['run', 'build'], { cwd: ui, stdio: 'inherit' });
} else {
  console.log('ui/dist is up to date.');
}
