// Prints the size of the .vsix `npm run package` just built, against the 5 MB target.
import { readdirSync, statSync } from 'node:fs';

const vsix = readdirSync('.').filter((name) => name.endsWith('.vsix')).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (!vsix) {
  console.error('no .vsix found');
  process.exit(1);
}
const bytes = statSync(vsix).size;
console.log(`${vsix}: ${(bytes / 1024 / 1024).toFixed(2)} MB (${bytes} bytes; target < 5 MB)${bytes >= 5 * 1024 * 1024 ? ' — OVER TARGET' : ''}`);
