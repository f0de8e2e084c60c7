// Runs on any Node version (plain JS, no syntax newer than ES2015) so an old Node gets one clear line.
const required = [22, 17];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < required[0] || (major === required[0] && minor < required[1])) {
  console.error(
    `Herald needs Node.js >= ${required.join('.')} (found ${process.versions.node}). ` +
      'Install a newer Node.js, e.g. `npm install --prefix ~/.cache/herald/node node@24` and put its node_modules/.bin on PATH.',
  );
  process.exit(1);
}
