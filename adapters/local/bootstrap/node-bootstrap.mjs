// Functory's Node.js bootstrap: loads the handler named by _HANDLER from LAMBDA_TASK_ROOT
// (CommonJS or ES module, async or callback style) and serves invocations from the Lambda
// Runtime API at AWS_LAMBDA_RUNTIME_API, as the Lambda Node.js runtime does.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import util from "node:util";
import module from "node:module";
import { pathToFileURL } from "node:url";

const [apiHost, apiPort] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");

// The second import tags every module of the function's own folder it loads with this query,
// so a helper module whose first load failed on the SDK is loaded afresh too.
const RETRY = "functory-sdk";

let sdkHookRegistered = false;
// Functory also serves the API as frames to its own bootstraps, over two pipes whose ends this
// process inherits as descriptors R and W (`--runtime-api-fds=R,W`): cheaper per invocation than
// HTTP over loopback TCP. The argument is taken out of process.argv before the handler loads, so
// handlers see the command line Lambda gives them. (Node cannot mark descriptors close-on-exec,
// so a handler's child processes inherit them; they could reach the same API through
// AWS_LAMBDA_RUNTIME_API anyway, as on Lambda.)
const fdsIndex = process.argv.findIndex((a) => a.startsWith("--runtime-api-fds="));
const [readFd, writeFd] =
  fdsIndex < 0 ? [null, null] : process.argv[fdsIndex].slice("--runtime-api-fds=".length).split(",").map(Number);
if (fdsIndex >= 0) process.argv.splice(fdsIndex, 1);
const framed = fdsIndex >= 0;
const base = "/2018-06-01/runtime";

// HTTP: one kept-alive connection to the Runtime API, which answers one request at a time. The
// loop is driven by the socket's data: each invocation that arrives runs at once, and its answer
// goes out with the request for the next one in one write.
//
// Frames: the pipes are blocking and read and written synchronously. Once an invocation is
// answered, the bootstrap lets the event loop take one turn (microtasks, due timers, ready I/O)
// and then waits for the next invocation in `read`, outside the loop: a frozen Lambda sandbox
// runs nothing between invocations either, and a turn of the loop per invocation costs less than
// the loop's own waiting and reading.
let socket = null;
let buffered = Buffer.alloc(0);
// What each HTTP request sent expects back, in order (HTTP answers every call; frames answer
// only `next`).
const expecting = [];
let onInvocation = null;

// Reads land in this one buffer (the socket's `onread`, or `readSync`), which spares a Buffer
// per read; what a read leaves unparsed is copied out before the next.
const readBuffer = Buffer.allocUnsafe(64 * 1024);
const nothing = Buffer.alloc(0);

function connect() {
  return new Promise((resolve, reject) => {
    const onread = {
      buffer: readBuffer,
      callback: (nread, buffer) => {
        const chunk = buffer.subarray(0, nread);
        buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
        while (parseHttp()) {}
        buffered = buffered.length ? Buffer.from(buffered) : nothing;
      },
    };
    const s = net.createConnection({ host: apiHost, port: Number(apiPort), onread });
    s.setNoDelay(true);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
    s.on("close", () => {
      // The runtime retired this instance (or went away): nothing more will arrive.
      process.exit(0);
    });
    s.on("error", () => {});
  });
}

// Writes all of `text` to the runtime (a signal can cut a blocking write short).
function sendFrames(text) {
  const written = fs.writeSync(writeFd, text, null, "utf8");
  const total = Buffer.byteLength(text, "utf8");
  if (written < total) {
    const rest = Buffer.from(text, "utf8");
    for (let at = written; at < total; ) at += fs.writeSync(writeFd, rest, at, total - at);
  }
}

// Blocks until the runtime sends an invocation, then runs it.
function waitForInvocation() {
  for (;;) {
    if (buffered.length) {
      const parsed = parseFrame();
      buffered = buffered.length ? Buffer.from(buffered) : nothing;
      if (parsed) return;
    }
    let nread;
    try {
      nread = fs.readSync(readFd, readBuffer, 0, readBuffer.length, null);
    } catch (error) {
      if (error.code === "EINTR" || error.code === "EAGAIN") continue;
      throw error;
    }
    // The runtime retired this instance (or went away): nothing more will arrive.
    if (nread === 0) process.exit(0);
    const chunk = readBuffer.subarray(0, nread);
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
  }
}

// Frames: a line "<header bytes> <body bytes>", a JSON header, the body.
// The runtime answers only `next`, with the Lambda headers (lower-cased) and the event.
function parseFrame() {
  const lineEnd = buffered.indexOf(10);
  if (lineEnd < 0) return false;
  const line = buffered.toString("latin1", 0, lineEnd);
  const space = line.indexOf(" ");
  const headerEnd = lineEnd + 1 + Number(line.slice(0, space));
  const bodyEnd = headerEnd + Number(line.slice(space + 1));
  if (buffered.length < bodyEnd) return false;
  const headers = JSON.parse(buffered.toString("utf8", lineEnd + 1, headerEnd));
  const body = buffered.toString("utf8", headerEnd, bodyEnd);
  buffered = buffered.subarray(bodyEnd);
  onInvocation(headers, body);
  return true;
}

const NEXT_FRAME = '13 0\n{"op":"next"}';

// The answer to invocation `id` as a frame. It carries the peak resident set, so the runtime
// need not read /proc for "Max Memory Used".
function answerFrame(op, id, errorType, body) {
  const rss = process.resourceUsage().maxRSS;
  const header =
    errorType === undefined
      ? `{"op":"${op}","id":${JSON.stringify(id)},"maxRssKib":${rss}}`
      : `{"op":"${op}","id":${JSON.stringify(id)},"errorType":${JSON.stringify(errorType)},"maxRssKib":${rss}}`;
  return `${Buffer.byteLength(header, "utf8")} ${Buffer.byteLength(body, "utf8")}\n${header}${body}`;
}

// HTTP/1.1 (loopback TCP, when started without the frame pipes): a minimal client, since
// node:http's generality costs more per invocation than the handler usually does.
const HEAD_END = Buffer.from("\r\n\r\n");
const LINE_END = Buffer.from("\r\n");

function parseHttp() {
  const end = buffered.indexOf(HEAD_END);
  if (end < 0) return false;
  const head = buffered.subarray(0, end).toString("latin1").split("\r\n");
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
    body = Buffer.concat(parts).toString("utf8");
  } else {
    const length = Number(headers["content-length"] || 0);
    if (buffered.length < end + 4 + length) return false;
    body = buffered.toString("utf8", end + 4, end + 4 + length);
    consumed = end + 4 + length;
  }
  buffered = buffered.subarray(consumed);
  const status = Number(head[0].split(" ")[1]);
  const expected = expecting.shift();
  if (expected === "next") {
    // Anything but 200 to `next` means no more invocations for this instance.
    if (status !== 200) process.exit(0);
    onInvocation(headers, body);
  } else if (typeof expected === "function") {
    expected();
  }
  return true;
}

// One call as HTTP text: bodies are JSON text, so the whole request goes out as one UTF-8 string
// (header names and values are ASCII) without a Buffer per part.
function httpCall(op, id, errorType, body) {
  const [method, urlPath] = {
    next: ["GET", "/invocation/next"],
    response: ["POST", `/invocation/${id}/response`],
    error: ["POST", `/invocation/${id}/error`],
    init_error: ["POST", "/init/error"],
  }[op];
  let head = `${method} ${base}${urlPath} HTTP/1.1\r\nHost: ${apiHost}:${apiPort}\r\n`;
  if (errorType !== undefined) head += `Lambda-Runtime-Function-Error-Type: ${errorType}\r\n`;
  if (body === undefined) return `${head}Content-Length: 0\r\n\r\n`;
  return `${head}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body, "utf8")}\r\n\r\n${body}`;
}

// Answers an invocation (op `response` or `error`) and asks for the next one, in one write.
function answerAndAskNext(op, id, errorType, body) {
  if (framed) {
    sendFrames(answerFrame(op, id, errorType, body) + NEXT_FRAME);
    setImmediate(waitForInvocation);
  } else {
    expecting.push(op, "next");
    socket.write(httpCall(op, id, errorType, body) + httpCall("next"), "utf8");
  }
}

function askFirst() {
  if (framed) {
    sendFrames(NEXT_FRAME);
    setImmediate(waitForInvocation);
  } else {
    expecting.push("next");
    socket.write(httpCall("next"), "utf8");
  }
}

// Reports a failed init and resolves once the runtime has it.
function reportInitError(errorType, body) {
  return new Promise((resolve) => {
    if (framed) {
      const header = `{"op":"init_error","errorType":${JSON.stringify(errorType)}}`;
      sendFrames(`${Buffer.byteLength(header, "utf8")} ${Buffer.byteLength(body, "utf8")}\n${header}${body}`);
      resolve();
    } else {
      expecting.push(resolve);
      socket.write(httpCall("init_error", undefined, errorType, body), "utf8");
    }
  });
}

// Log lines as Lambda writes them: time, request id, level, message; newlines become \r so one
// console call stays one log event. Writes are synchronous so they precede the response.
let currentRequestId = undefined;
function patchConsole() {
  const levels = { log: "INFO", info: "INFO", debug: "DEBUG", trace: "TRACE", warn: "WARN", error: "ERROR" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const text = util.format(...args).replace(/\n/g, "\r");
      writeAll(1, `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${text}\n`);
    };
  }
  console.fatal = (...args) => console.error(...args);
}

// Writes all of `text` to `fd`, synchronously. The runtime reads stdout through a pipe, which
// may be non-blocking and full when a handler logs faster than it is read: then writeSync
// throws EAGAIN or writes part of the text, and the rest is written once there is room (a log
// call never fails the invocation, as on Lambda).
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeAll(fd, text) {
  let bytes = Buffer.from(text, "utf8");
  while (bytes.length > 0) {
    try {
      const written = fs.writeSync(fd, bytes);
      bytes = bytes.subarray(written);
    } catch (error) {
      if (error?.code !== "EAGAIN") throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
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
    loaded = await importHandler(pathToFileURL(file).href);
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

const noop = () => {};

// Runs the handler on one event. Returns its result, or a promise of it when the handler is
// asynchronous (a promise, or a callback handler).
function runHandler(handler, event, context) {
  // An async (two-argument) handler needs no callback machinery.
  if (handler.length < 3) {
    context.done = noop;
    context.succeed = noop;
    context.fail = noop;
    return handler(event, context);
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
      }
    } catch (error) {
      callback(error);
    }
  });
}

function succeeded(requestId, result) {
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    failed(requestId, error);
    return;
  }
  answerAndAskNext("response", requestId, undefined, body);
}

function failed(requestId, error) {
  const doc = errorDocument(error ?? new Error("rejected"));
  console.error(`Invoke Error \t${JSON.stringify(doc)}`);
  answerAndAskNext("error", requestId, doc.errorType, JSON.stringify(doc));
}

// `_X_AMZN_TRACE_ID` changes with every invocation. Setting it in the real environment calls
// glibc's setenv, which keeps every value ever set for the life of the process (callers of
// getenv may still hold them) in a search tree: each invocation would leak its trace header
// and make the next lookup longer, until a busy instance ran into its own memory limit. So
// `process.env` becomes a view of the real environment that keeps this one variable itself;
// reads, writes, `in`, enumeration and child processes (which take their environment from
// `process.env`) all see it.
const TRACE_VARIABLE = "_X_AMZN_TRACE_ID";
let traceHeader = undefined;
function keepTraceOutOfTheEnvironment() {
  const real = process.env;
  if (TRACE_VARIABLE in real) {
    traceHeader = real[TRACE_VARIABLE];
    delete real[TRACE_VARIABLE];
  }
  const set = (value) => {
    traceHeader = value === undefined ? undefined : String(value);
    return true;
  };
  process.env = new Proxy(real, {
    get: (target, key) => (key === TRACE_VARIABLE ? traceHeader : Reflect.get(target, key)),
    set: (target, key, value) => (key === TRACE_VARIABLE ? set(value) : Reflect.set(target, key, value)),
    has: (target, key) => (key === TRACE_VARIABLE ? traceHeader !== undefined : Reflect.has(target, key)),
    deleteProperty: (target, key) => (key === TRACE_VARIABLE ? set(undefined) : Reflect.deleteProperty(target, key)),
    defineProperty: (target, key, descriptor) =>
      key === TRACE_VARIABLE ? set(descriptor.value) : Reflect.defineProperty(target, key, descriptor),
    ownKeys: (target) => {
      const keys = Reflect.ownKeys(target);
      if (traceHeader !== undefined) keys.push(TRACE_VARIABLE);
      return keys;
    },
    getOwnPropertyDescriptor: (target, key) =>
      key === TRACE_VARIABLE
        ? traceHeader === undefined
          ? undefined
          : { value: traceHeader, writable: true, enumerable: true, configurable: true }
        : Reflect.getOwnPropertyDescriptor(target, key),
  });
}

async function main() {
  patchConsole();
  keepTraceOutOfTheEnvironment();
  if (!framed) socket = await connect();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const doc = errorDocument(error);
    console.error(`Uncaught Exception \t${JSON.stringify(doc)}`);
    await reportInitError(doc.errorType, JSON.stringify(doc));
    process.exit(1);
  }
  const env = process.env;
  const functionName = env.AWS_LAMBDA_FUNCTION_NAME;
  const functionVersion = env.AWS_LAMBDA_FUNCTION_VERSION;
  const memoryLimitInMB = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  const logGroupName = env.AWS_LAMBDA_LOG_GROUP_NAME;
  const logStreamName = env.AWS_LAMBDA_LOG_STREAM_NAME;
  onInvocation = (h, body) => {
    const requestId = h["lambda-runtime-aws-request-id"];
    const deadline = Number(h["lambda-runtime-deadline-ms"]);
    traceHeader = h["lambda-runtime-trace-id"] || undefined;
    currentRequestId = requestId;
    const clientContext = h["lambda-runtime-client-context"];
    const identity = h["lambda-runtime-cognito-identity"];
    const context = {
      awsRequestId: requestId,
      invokedFunctionArn: h["lambda-runtime-invoked-function-arn"],
      functionName,
      functionVersion,
      memoryLimitInMB,
      logGroupName,
      logStreamName,
      callbackWaitsForEmptyEventLoop: true,
      clientContext: clientContext ? JSON.parse(clientContext) : undefined,
      identity: identity ? JSON.parse(identity) : undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let result;
    try {
      result = runHandler(handler, JSON.parse(body), context);
    } catch (error) {
      failed(requestId, error);
      return;
    }
    if (result && typeof result.then === "function") {
      result.then(
        (value) => succeeded(requestId, value),
        (error) => failed(requestId, error),
      );
    } else {
      succeeded(requestId, result);
    }
  };
  askFirst();
}

main().catch((error) => {
  fs.writeSync(2, `bootstrap failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});

// Imports the handler's module. The AWS SDK Lambda provides lives outside the task root
// (FUNCTORY_SDK_NODE_MODULES, also on NODE_PATH for `require`); ES module imports ignore
// NODE_PATH. So when an import fails on a bare specifier the function's own folders cannot
// resolve, a resolve hook that retries such specifiers from that folder is registered and the
// module is imported again (under a fresh URL: the failed load is cached under the first one).
// The function's own packages win, as on Lambda; handlers that need no such package never pay
// for the hook (on Node.js 20 it runs in a loader thread of its own).
async function importHandler(url) {
  try {
    return await import(url);
  } catch (error) {
    const bare = /^Cannot find (?:package|module) '([^'./][^']*)'/.exec(error?.message ?? "");
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || !bare || !resolveSdkFromLambdaFolder()) throw error;
    return import(`${url}?${RETRY}`);
  }
}

function resolveSdkFromLambdaFolder() {
  const folder = process.env.FUNCTORY_SDK_NODE_MODULES;
  if (!folder || sdkHookRegistered) return false;
  sdkHookRegistered = true;
  const data = {
    parentURL: pathToFileURL(path.join(path.dirname(folder), "resolve-from-here.mjs")).href,
    taskRoot: pathToFileURL(path.resolve(process.env.LAMBDA_TASK_ROOT || ".")).href + "/",
    retry: RETRY,
  };
  // One body for both kinds of hook: `next` is nextResolve, `settle` awaits or not.
  const body = (settle) => `
    const bare = !/^(\\.|\\/|file:|node:|data:)/.test(specifier);
    const retrying = context.parentURL?.includes("?" + data.retry);
    let resolved;
    try {
      resolved = ${settle}nextResolve(specifier, context);
    } catch (error) {
      if (error?.code !== "ERR_MODULE_NOT_FOUND" || !bare) throw error;
      resolved = ${settle}nextResolve(specifier, { ...context, parentURL: data.parentURL });
    }
    if (retrying && resolved.url.startsWith(data.taskRoot) && !resolved.url.includes("?")) {
      return { ...resolved, url: resolved.url + "?" + data.retry };
    }
    return resolved;`;
  if (typeof module.registerHooks === "function") {
    // Node.js 22.15+: synchronous hooks in this thread, for `import` and `require` alike.
    const resolve = new Function("data", `return function resolve(specifier, context, nextResolve) {${body("")}}`)(data);
    module.registerHooks({ resolve });
    return true;
  }
  // Node.js 20: asynchronous hooks, in a loader thread.
  const hooks = `let data;
export function initialize(given) { data = given; }
export async function resolve(specifier, context, nextResolve) {${body("await ")}}`;
  module.register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data });
  return true;
}
