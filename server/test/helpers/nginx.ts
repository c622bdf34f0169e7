import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './childServer.js';

/** Debian's nginx; suites that need it skip with a notice without it (fail under REQUIRE_SERVICES=1). */
export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (!NGINX && process.env.REQUIRE_SERVICES === '1') throw new Error('nginx is required (REQUIRE_SERVICES=1) but is not installed');
if (!NGINX) console.warn('\n  NOTICE: nginx is not installed; the suites behind nginx are SKIPPED on this machine.\n');

const REPO_CONF = new URL('../../../nginx.conf', import.meta.url);

export interface AccessLogEntry {
  /** When nginx finished answering (epoch ms), and how long the request took. */
  at: number;
  duration: number;
  method: string;
  uri: string;
  status: number;
  /** The nodes nginx tried, in order (more than one when it passed the request on). */
  upstreams: string[];
}

export interface RunningNginx {
  url: string;
  /** The web root it serves at `/`. */
  html: string;
  /**
   * The requests nginx answered so far, with the node(s) it tried for each. nginx writes a request's
   * line only after it has sent the answer, so a client can hold the answer before the line exists:
   * with `until`, it looks again (for up to 10 s) until the entries satisfy it.
   */
  accessLog(until?: (entries: AccessLogEntry[]) => boolean): Promise<AccessLogEntry[]>;
  stop(): Promise<void>;
}

/**
 * The repository's nginx.conf under Debian's nginx as a throw-away, non-root instance, with only
 * what a deployment would differ in changed: the upstream nodes, the port and the web root.
 */
export async function startNginx(upstreams: string[]): Promise<RunningNginx> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dropline-nginx-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const html = path.join(dir, 'html');
  await mkdir(html, { recursive: true });
  const site = (await readFile(REPO_CONF, 'utf8'))
    .replace(/^( *)server server:3000;\n *server server-2:3000;\n/gm, (_all, indent: string) =>
      upstreams.map((u) => `${indent}server ${u};\n`).join(''),
    )
    .replace('listen 8080;', `listen 127.0.0.1:${port};`)
    .replace('root /usr/share/nginx/html;', `root ${html};`);
  await writeFile(path.join(dir, 'site.conf'), site);
  await writeFile(
    path.join(dir, 'nginx.conf'),
    `user root; daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events {}
http {
  include /etc/nginx/mime.types;
  log_format upstreams '$msec $request_time $request_method $uri $status $upstream_addr';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
  );
  const check = spawnSync(NGINX!, ['-t', '-c', path.join(dir, 'nginx.conf'), '-p', dir], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
  const nginx: ChildProcess = spawn(NGINX!, ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore' });
  const exited = new Promise((resolve) => nginx.once('exit', resolve));
  for (
    let tries = 0;
    (await fetch(url).then(
      (r) => r.status,
      () => 0,
    )) === 0;
    tries++
  ) {
    if (tries > 100) throw new Error(`nginx did not come up: ${await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    html,
    accessLog: async (until) => {
      for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
        const entries = await readAccessLog(path.join(dir, 'access.log'));
        if (!until || until(entries) || Date.now() > deadline) return entries;
      }
    },
    stop: async () => {
      nginx.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function readAccessLog(file: string): Promise<AccessLogEntry[]> {
  return (await readFile(file, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [msec, time, method, uri, status, ...upstreams] = line.split(' ');
      return {
        at: Number(msec) * 1000,
        duration: Number(time) * 1000,
        method: method!,
        uri: uri!,
        status: Number(status),
        upstreams: upstreams.join(' ').split(', '),
      };
    });
}
