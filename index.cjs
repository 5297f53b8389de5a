// The package entry (`import 'parproc'`). A packed package carries dist/lib, the library bundled
// with bytecode (built by `bun run build.ts --lib` at pack time), which loads in a few ms; a
// checkout of the repository has none and loads the TypeScript sources.
try {
  module.exports = require('./dist/lib/index.js');
} catch (err) {
  if (err?.code !== 'MODULE_NOT_FOUND' && !/Cannot find module/.test(String(err?.message))) throw err;
  module.exports = require('./src/index.ts');
}
