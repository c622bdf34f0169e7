// The baseline for share.bench.mjs: node's http server piping fs.createReadStream of one file to
// every response, nothing else. Prints {"url": ...} once listening. Usage: node bare-download-server.mjs <file>
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';

const file = process.argv[2];
const size = statSync(file).size;
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size });
  createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })));
