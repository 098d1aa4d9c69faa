// A real moto server (the AWS emulator from PyPI, installed by scripts/python-venv.sh) for the
// browser tests of cloud features: started on a free loopback port, stopped by its own pid.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const VENV = process.env.FUNCTORY_MOTO_VENV || join(homedir(), '.cache', 'functory', 'venv');

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts moto; `env` is added to its environment (e.g. `INITIAL_NO_AUTH_ACTION_COUNT`, which
 * makes it check every key against its IAM after that many calls). Resolves once it accepts
 * connections (without making a request, which would count as an action).
 */
export async function startMoto({ env = {} } = {}) {
  const binary = join(VENV, 'bin', 'moto_server');
  if (!existsSync(binary)) {
    throw new Error(`moto is not installed at ${binary}: run \`bash scripts/python-venv.sh\` (or set FUNCTORY_MOTO_VENV)`);
  }
  const port = await freePort();
  const child = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr = [];
  child.stderr.on('data', (chunk) => stderr.push(String(chunk)));
  const deadline = Date.now() + 60_000;
  while (!(await accepts(port))) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}: ${stderr.join('')}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not listen on ${port} in 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    pid: child.pid,
    stderr,
    /** Makes moto's Lambda run without Docker; must come before the first function is created. */
    lambdaWithoutDocker: async () => {
      const response = await fetch(`${url}/moto-api/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lambda: { use_docker: false } }),
      });
      if (!response.ok) throw new Error(`moto refused its Lambda configuration: ${response.status}`);
    },
    /** Runs a Python script with boto3 against this moto (test credentials); answers its stdout. */
    python: (script, extraEnv = {}) =>
      execFileSync(join(VENV, 'bin', 'python'), ['-c', script], {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: url,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_REGION: 'us-east-1',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          ...extraEnv,
        },
        encoding: 'utf8',
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * An AWS configuration of the test's own (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`), so
 * nothing reads the user's ~/.aws. `config` and `credentials` are the files' text. Answers the
 * environment to give the bridge and a function removing the folder.
 */
export function awsConfigFiles({ config = '', credentials = '' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'functory-ui-aws-'));
  writeFileSync(join(dir, 'config'), config);
  writeFileSync(join(dir, 'credentials'), credentials);
  return {
    env: { AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A loopback HTTP proxy in front of `target` (moto) that cuts the connection of every request
 * `cut({ method, url })` picks, as a network failure would: no answer at all. Answers its URL,
 * a setter for the predicate, the requests it cut, every request it saw (`method`, `url` and
 * the `X-Amz-Target` of JSON APIs, e.g. `Logs_20140328.StartLiveTail`), and a stop function.
 */
export async function startCuttingProxy(target, cut = () => false) {
  const { createServer: createHttpServer, request: forward } = await import('node:http');
  let predicate = cut;
  const cutRequests = [];
  const seen = [];
  const sockets = new Set();
  const server = createHttpServer((req, res) => {
    seen.push({ method: req.method, url: req.url, target: req.headers['x-amz-target'] ?? null });
    if (predicate({ method: req.method, url: req.url })) {
      cutRequests.push(`${req.method} ${req.url}`);
      req.socket.destroy();
      return;
    }
    const upstream = forward(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => req.socket.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cutRequests,
    seen,
    setCut: (next) => {
      predicate = next;
    },
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
