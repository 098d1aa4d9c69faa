// A bare Node.js http server answering the same JSON: the ceiling for a Node handler.
const http = require("node:http");
const body = JSON.stringify({ hello: "world" });
http
  .createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  })
  .listen(Number(process.argv[2]), "127.0.0.1");
