// Imitates what the Azure Functions host's Node.js worker does for one invocation of a
// programming model v3 function: load the function's scriptFile, call the exported function
// with a context and the trigger's input, and report what the host would answer.
//
// Usage: node node_worker.js <request.json>; the result goes to the request's resultFile.
"use strict";

const fs = require("fs");
const path = require("path");

const request = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const root = request.appRoot;
const folder = path.join(root, request.function);
const config = JSON.parse(fs.readFileSync(path.join(folder, "function.json"), "utf8"));
const trigger = config.bindings.find((b) => /Trigger$/.test(b.type));

function finish(outcome) {
  fs.writeFileSync(request.resultFile, JSON.stringify(outcome));
  // Pipes are written synchronously on Linux: nothing printed is lost by exiting.
  process.exit(0);
}

const log = (...args) => console.log(...args);
Object.assign(log, {
  error: (...args) => console.error(...args),
  warn: (...args) => console.warn(...args),
  info: (...args) => console.info(...args),
  verbose: (...args) => console.log(...args),
});
const context = {
  invocationId: request.invocationId,
  executionContext: { invocationId: request.invocationId, functionName: request.function, functionDirectory: folder },
  bindingData: { invocationId: request.invocationId },
  bindings: {},
  log,
  done: () => {},
  res: undefined,
};

let input;
switch (trigger.type) {
  case "httpTrigger": {
    const http = request.http;
    const raw = Buffer.from(http.bodyBase64 || "", "base64");
    const type = String(http.headers["content-type"] || "");
    let body = raw.length ? raw.toString("utf8") : undefined;
    if (raw.length && type.includes("json")) {
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch (_) {
        // The v3 worker leaves a body that is not JSON as text.
      }
    } else if (raw.length && type.includes("octet-stream")) {
      body = raw;
    }
    input = {
      method: http.method,
      url: http.url,
      originalUrl: http.url,
      headers: http.headers,
      query: http.query,
      params: http.params,
      body,
      rawBody: raw.toString("utf8"),
    };
    context.req = input;
    Object.assign(context.bindingData, { query: http.query, headers: http.headers }, http.params);
    break;
  }
  case "timerTrigger":
    input = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: null };
    break;
  case "queueTrigger": {
    input = request.input;
    try {
      input = JSON.parse(request.input);
    } catch (_) {
      // Plain text messages stay strings.
    }
    const now = new Date();
    Object.assign(context.bindingData, {
      id: request.invocationId,
      dequeueCount: 1,
      insertionTime: now.toISOString(),
      expirationTime: new Date(now.getTime() + 7 * 86400000).toISOString(),
      nextVisibleTime: new Date(now.getTime() + 600000).toISOString(),
      popReceipt: "AgAAAAMAAAAAAAAA",
    });
    break;
  }
  case "blobTrigger": {
    input = Buffer.alloc(0);
    const container = trigger.path.split("/")[0];
    Object.assign(context.bindingData, {
      blobTrigger: request.input,
      name: request.input.slice(container.length + 1),
      uri: `https://storage.example/${request.input}`,
      properties: { length: 0, lastModified: new Date().toISOString(), eTag: "\"0x8DC\"" },
    });
    break;
  }
  default:
    finish({ ok: false, error: `the fake host does not run ${trigger.type}` });
}
context.bindings[trigger.name] = input;

function serialize(res) {
  if (res === undefined || res === null) return null;
  let body = res.body;
  const headers = {};
  for (const [name, value] of Object.entries(res.headers || {})) headers[name.toLowerCase()] = String(value);
  if (body === undefined || body === null) body = "";
  if (!Buffer.isBuffer(body) && typeof body !== "string") {
    body = JSON.stringify(body);
    headers["content-type"] = headers["content-type"] || "application/json";
  }
  return {
    status: res.status || res.statusCode || 200,
    headers,
    cookies: res.cookies || [],
    bodyBase64: Buffer.from(body).toString("base64"),
  };
}

(async () => {
  let entry;
  try {
    entry = require(path.join(folder, config.scriptFile || "index.js"));
  } catch (error) {
    console.error(`Worker was unable to load function ${request.function}: '${error && error.message}'`);
    finish({ ok: false, error: String(error && error.message) });
    return;
  }
  try {
    const returned = await entry(context, input);
    finish({ ok: true, response: serialize(returned !== undefined ? returned : context.res) });
  } catch (error) {
    console.error(`Exception while executing function: Functions.${request.function}. ${error && error.stack}`);
    finish({ ok: false, error: String(error && error.message) });
  }
})();
