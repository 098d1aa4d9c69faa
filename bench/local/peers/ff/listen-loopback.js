// functions-framework 3.x listens on every interface and has no host option; this preload
// pins its server to 127.0.0.1 so the benchmark opens no port beyond loopback.
const http = require("node:http");
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, ...rest) {
  const portOnly = typeof port === "number" || typeof port === "string";
  if (portOnly && (rest.length === 0 || typeof rest[0] === "function")) {
    return listen.call(this, port, "127.0.0.1", ...rest);
  }
  return listen.call(this, port, ...rest);
};
