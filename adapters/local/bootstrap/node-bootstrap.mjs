// Functory's Node.js bootstrap: loads the handler named by _HANDLER from LAMBDA_TASK_ROOT
// (CommonJS or ES module, async or callback style) and serves invocations from the Lambda
// Runtime API at AWS_LAMBDA_RUNTIME_API, as the Lambda Node.js runtime does.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import util from "node:util";
import { pathToFileURL } from "node:url";

const [apiHost, apiPort] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
// Functory also serves the API on a Unix socket for its own bootstraps: cheaper per invocation
// than loopback TCP. The argument is taken out of process.argv before the handler loads, so
// handlers see the command line Lambda gives them.
const socketIndex = process.argv.findIndex((a) => a.startsWith("--runtime-api-socket="));
const apiSocket = socketIndex < 0 ? null : process.argv[socketIndex].slice("--runtime-api-socket=".length);
if (socketIndex >= 0) process.argv.splice(socketIndex, 1);
const base = "/2018-06-01/runtime";

// A minimal HTTP/1.1 client on one kept-alive socket: the Runtime API is a single local server
// answering one request at a time, and node:http's generality costs more per invocation than
// the handler usually does.
let socket = null;
let buffered = Buffer.alloc(0);
// Callers waiting for responses, in request order (requests may be pipelined).
const waiting = [];

function connect() {
  return new Promise((resolve, reject) => {
    const s = apiSocket ? net.createConnection({ path: apiSocket }) : net.createConnection({ host: apiHost, port: Number(apiPort) });
    if (!apiSocket) s.setNoDelay(true);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
    s.on("data", (chunk) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      parse();
    });
    s.on("close", () => {
      socket = null;
      for (const { reject: fail } of waiting.splice(0)) {
        fail(new Error("the Runtime API closed the connection"));
      }
    });
    s.on("error", () => {});
  });
}

function parse() {
  while (waiting.length > 0 && parseOne()) {}
}

const HEAD_END = Buffer.from("\r\n\r\n");
const LINE_END = Buffer.from("\r\n");

function parseOne() {
  const end = buffered.indexOf(HEAD_END);
  if (end < 0) return false;
  const head = buffered.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(head[0].split(" ")[1]);
  const headers = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body;
  let consumed;
  if (headers["transfer-encoding"] === "chunked") {
    const parts = [];
    let at = end + 4;
    for (;;) {
      const lineEnd = buffered.indexOf(LINE_END, at);
      if (lineEnd < 0) return false;
      const size = parseInt(buffered.subarray(at, lineEnd).toString("latin1"), 16);
      if (buffered.length < lineEnd + 2 + size + 2) return false;
      if (size === 0) {
        consumed = lineEnd + 4;
        break;
      }
      parts.push(buffered.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else {
    const length = Number(headers["content-length"] || 0);
    if (buffered.length < end + 4 + length) return false;
    body = buffered.subarray(end + 4, end + 4 + length);
    consumed = end + 4 + length;
  }
  buffered = buffered.subarray(consumed);
  const { resolve } = waiting.shift();
  resolve({ status, headers, body: Buffer.from(body) });
  return true;
}

// One request as text: bodies are JSON text, so the whole request goes out as one UTF-8 string
// (header names and values are ASCII) without a Buffer per part.
function encode(method, urlPath, body, headers) {
  let head = `${method} ${base}${urlPath} HTTP/1.1\r\nHost: ${apiHost}:${apiPort}\r\n`;
  for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
  if (body === undefined) return `${head}Content-Length: 0\r\n\r\n`;
  return `${head}Content-Length: ${Buffer.byteLength(body, "utf8")}\r\n\r\n${body}`;
}

// Sends requests in one write (HTTP/1.1 pipelining) and resolves with their responses.
async function pipeline(requests) {
  if (!socket) socket = await connect();
  const answers = requests.map(() => new Promise((resolve, reject) => waiting.push({ resolve, reject })));
  let text = "";
  for (const [m, p, b, h] of requests) text += encode(m, p, b, h ?? {});
  socket.write(text, "utf8");
  return Promise.all(answers);
}

async function call(method, urlPath, body, headers = {}) {
  const [answer] = await pipeline([[method, urlPath, body, headers]]);
  return answer;
}

// Log lines as Lambda writes them: time, request id, level, message; newlines become \r so one
// console call stays one log event. Writes are synchronous so they precede the response.
let currentRequestId = undefined;
function patchConsole() {
  const levels = { log: "INFO", info: "INFO", debug: "DEBUG", trace: "TRACE", warn: "WARN", error: "ERROR" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const text = util.format(...args).replace(/\n/g, "\r");
      fs.writeSync(1, `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${text}\n`);
    };
  }
  console.fatal = (...args) => console.error(...args);
}

function errorDocument(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name && error.name !== "Error" ? error.name : error.constructor?.name || "Error",
      errorMessage: error.message,
      trace: String(error.stack || "").split("\n"),
    };
  }
  return { errorType: "Error", errorMessage: String(error), trace: [] };
}

class InitError extends Error {
  constructor(type, message) {
    super(message);
    this.name = type;
  }
}

async function loadHandler() {
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  const handlerName = process.env._HANDLER || "";
  const dot = handlerName.lastIndexOf(".");
  if (dot <= 0) {
    throw new InitError("Runtime.MalformedHandlerName", `Bad handler ${handlerName}`);
  }
  const moduleName = handlerName.slice(0, dot);
  const exportPath = handlerName.slice(dot + 1);
  const candidates = ["", ".js", ".mjs", ".cjs"].map((ext) => path.resolve(taskRoot, moduleName + ext));
  const file = candidates.find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
  if (!file) {
    throw new InitError("Runtime.ImportModuleError", `Error: Cannot find module '${moduleName}'`);
  }
  let loaded;
  try {
    loaded = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new InitError("Runtime.UserCodeSyntaxError", `${error.name}: ${error.message}`);
    }
    if (error && error.code === "ERR_MODULE_NOT_FOUND") {
      throw new InitError("Runtime.ImportModuleError", `Error: ${error.message}`);
    }
    throw error;
  }
  const handler = loaded[exportPath] ?? loaded.default?.[exportPath];
  if (typeof handler !== "function") {
    throw new InitError(
      "Runtime.HandlerNotFound",
      `${path.basename(moduleName)}.${exportPath} is undefined or not exported`,
    );
  }
  return handler;
}

function runHandler(handler, event, context) {
  // An async (two-argument) handler needs no callback machinery.
  if (handler.length < 3) {
    context.done = (error, result) => {};
    context.succeed = () => {};
    context.fail = () => {};
    try {
      return Promise.resolve(handler(event, context));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== null && error !== undefined) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? new Error("handled"));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") {
        returned.then((r) => callback(null, r), (e) => callback(e ?? new Error("rejected")));
      } else if (handler.length < 3) {
        // A synchronous non-callback handler: its return value is the result.
        callback(null, returned);
      }
    } catch (error) {
      callback(error);
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const doc = errorDocument(error);
    console.error(`Uncaught Exception \t${JSON.stringify(doc)}`);
    await call("POST", "/init/error", JSON.stringify(doc), {
      "Lambda-Runtime-Function-Error-Type": doc.errorType,
      "Content-Type": "application/json",
    });
    process.exit(1);
  }
  const env = process.env;
  let next = await call("GET", "/invocation/next");
  for (;;) {
    const h = next.headers;
    const requestId = h["lambda-runtime-aws-request-id"];
    const deadline = Number(h["lambda-runtime-deadline-ms"]);
    if (h["lambda-runtime-trace-id"]) env._X_AMZN_TRACE_ID = h["lambda-runtime-trace-id"];
    else delete env._X_AMZN_TRACE_ID;
    currentRequestId = requestId;
    const context = {
      awsRequestId: requestId,
      invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      clientContext: h["lambda-runtime-client-context"] ? JSON.parse(h["lambda-runtime-client-context"]) : undefined,
      identity: h["lambda-runtime-cognito-identity"] ? JSON.parse(h["lambda-runtime-cognito-identity"]) : undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let answer;
    try {
      const event = JSON.parse(next.body.toString("utf8"));
      const result = await runHandler(handler, event, context);
      const body = JSON.stringify(result === undefined ? null : result);
      answer = ["POST", `/invocation/${requestId}/response`, body, { "Content-Type": "application/json" }];
    } catch (error) {
      const doc = errorDocument(error);
      console.error(`Invoke Error \t${JSON.stringify(doc)}`);
      answer = ["POST", `/invocation/${requestId}/error`, JSON.stringify(doc), {
        "Lambda-Runtime-Function-Error-Type": doc.errorType,
        "Content-Type": "application/json",
      }];
    }
    // The answer and the request for the next invocation leave in one write.
    [, next] = await pipeline([answer, ["GET", "/invocation/next"]]);
  }
}

main().catch((error) => {
  fs.writeSync(2, `bootstrap failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
