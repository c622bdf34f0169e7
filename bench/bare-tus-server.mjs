// The baseline for upload.bench.mjs: @tus/server with a FileStore and nothing else (no auth, no
// hooks, no database). Prints {"url": ...} once listening. Usage: node bare-tus-server.mjs <dir>
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// The packages are the server's dependencies; resolve them from there, as pnpm doesn't hoist them.
const require = createRequire(new URL('../server/package.json', import.meta.url));
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { Server } = await load('@tus/server');
const { FileStore } = await load('@tus/file-store');

const tus = new Server({ path: '/files', datastore: new FileStore({ directory: process.argv[2] }) });
const http = tus.listen({ host: '127.0.0.1', port: 0 }, () => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${http.address().port}` }));
});
