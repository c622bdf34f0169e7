// The server side of zip.bench.mjs, in its own process so its RSS is its own: GET /plain/<set>
// pipes fs.createReadStream of the set's one file to the response (the baseline), GET /zip/<set>
// streams a ZIP of the set's files through server/dist/archive/zip.js, with Content-Length, as a
// download route does. Each file's CRC-32 is computed once at start (uploads compute it as the
// bytes arrive). Usage: node zip-server.mjs <name>=<dir> ...; prints {"url": ...} once listening.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { crc32 } from 'node:zlib';

const { ZipArchive } = await import(pathToFileURL(path.join(import.meta.dirname, '../server/dist/archive/zip.js')).href);

async function crc32Of(file) {
  let crc = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) crc = crc32(chunk, crc);
  return crc;
}

const sets = {};
for (const arg of process.argv.slice(2)) {
  const [name, dir] = arg.split('=');
  const names = (await readdir(dir)).sort();
  const entries = [];
  for (const file of names) {
    const full = path.join(dir, file);
    const { size, mtime } = await stat(full);
    entries.push({ name: file, size, crc32: await crc32Of(full), modifiedAt: mtime, path: full });
  }
  sets[name] = entries;
}

const server = http.createServer((req, res) => {
  const [, kind, name] = req.url.split('/');
  const entries = sets[name];
  if (!entries || (kind !== 'plain' && kind !== 'zip')) {
    res.statusCode = 404;
    return res.end();
  }
  let body;
  if (kind === 'plain') {
    res.setHeader('content-length', entries[0].size);
    body = createReadStream(entries[0].path);
  } else {
    const zip = new ZipArchive(entries);
    res.setHeader('content-length', zip.size);
    body = zip.stream((entry, start, end) => createReadStream(entry.path, { start, end }));
  }
  pipeline(body, res).catch(() => {});
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })));
