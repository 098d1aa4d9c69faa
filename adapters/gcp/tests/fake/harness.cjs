// A stand-in for the Node.js Functions Framework, for the fake Cloud Functions: it loads the
// package's `main` module as the framework does, takes the export named by FUNCTION_TARGET,
// and serves it with the framework's signature (FUNCTION_SIGNATURE_TYPE): `http` with an
// express-like request (rawBody, parsed body, query, path) and response (status, set, send,
// json, end), or `cloudevent` with a binary-mode CloudEvent. It prints
// `FUNCTORY_HARNESS_PORT=<port>` once it listens; everything else on stdout is the function's.
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const dir = path.resolve(process.argv[2] || '.');
process.chdir(dir);
const manifest = fs.existsSync(path.join(dir, 'package.json'))
  ? JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
  : {};
const mainFile = path.join(dir, manifest.main || 'index.js');
const target = process.env.FUNCTION_TARGET;
const signature = process.env.FUNCTION_SIGNATURE_TYPE || 'http';
let fn;
try {
  fn = require(mainFile)[target];
} catch (error) {
  process.stderr.write(`Provided module can't be loaded: ${error && error.stack}\n`);
  process.exit(1);
}
if (typeof fn !== 'function') {
  process.stderr.write(`Function '${target}' is not defined in the provided module.\n`);
  process.exit(1);
}

function parseBody(raw, type) {
  const kind = String(type || '').split(';')[0].trim().toLowerCase();
  if (kind === 'application/json' || kind.endsWith('+json')) {
    return raw.length ? JSON.parse(raw.toString('utf8')) : {};
  }
  if (kind.startsWith('text/')) return raw.toString('utf8');
  if (kind === 'application/x-www-form-urlencoded') {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  return raw;
}

function expressResponse(res) {
  return {
    headersSent: false,
    statusCode: 200,
    status(code) {
      this.statusCode = code;
      return this;
    },
    set(name, value) {
      if (typeof name === 'object') {
        for (const [k, v] of Object.entries(name)) res.setHeader(k, v);
      } else {
        res.setHeader(name, value);
      }
      return this;
    },
    header(name, value) {
      return this.set(name, value);
    },
    getHeader(name) {
      return res.getHeader(name);
    },
    send(body) {
      if (this.headersSent) return this;
      this.headersSent = true;
      let bytes;
      if (Buffer.isBuffer(body)) {
        bytes = body;
        if (!res.getHeader('content-type')) res.setHeader('Content-Type', 'application/octet-stream');
      } else if (typeof body === 'object' && body !== null) {
        bytes = Buffer.from(JSON.stringify(body));
        if (!res.getHeader('content-type')) res.setHeader('Content-Type', 'application/json');
      } else {
        bytes = Buffer.from(body === undefined ? '' : String(body));
        if (!res.getHeader('content-type')) res.setHeader('Content-Type', 'text/html; charset=utf-8');
      }
      res.statusCode = this.statusCode;
      res.setHeader('Content-Length', bytes.length);
      res.end(bytes);
      return this;
    },
    json(value) {
      res.setHeader('Content-Type', 'application/json');
      return this.send(JSON.stringify(value));
    },
    end(data) {
      return this.send(data === undefined ? '' : data);
    },
    sendStatus(code) {
      return this.status(code).send(String(code));
    },
  };
}

async function serveHttp(req, res, raw) {
  const url = new URL(req.url, 'http://localhost');
  const response = expressResponse(res);
  let body;
  try {
    body = parseBody(raw, req.headers['content-type']);
  } catch (error) {
    response.status(400).send('Bad Request');
    return;
  }
  const request = {
    method: req.method,
    url: req.url,
    originalUrl: req.url,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    ip: req.socket.remoteAddress,
    rawBody: raw,
    body,
    get(name) {
      return req.headers[String(name).toLowerCase()];
    },
  };
  try {
    await fn(request, response);
  } catch (error) {
    process.stderr.write(`${error && error.stack}\n`);
    if (!response.headersSent) response.status(500).send('crash');
  }
}

async function serveCloudEvent(req, res, raw) {
  const event = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('ce-')) event[name.slice(3)] = value;
  }
  event.datacontenttype = req.headers['content-type'];
  event.data = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
  try {
    await fn(event);
    res.statusCode = 204;
    res.end();
  } catch (error) {
    process.stderr.write(`${error && error.stack}\n`);
    res.statusCode = 500;
    res.end('crash');
  }
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const served = signature === 'cloudevent' ? serveCloudEvent(req, res, raw) : serveHttp(req, res, raw);
    served.catch((error) => {
      process.stderr.write(`${error && error.stack}\n`);
      res.statusCode = 500;
      res.end();
    });
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`FUNCTORY_HARNESS_PORT=${server.address().port}\n`);
});
