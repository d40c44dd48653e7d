// The app of the Docker tests: answers `ok <pid>` on HOST:PORT (host networking, loopback).
import http from 'node:http';

const port = Number(process.env.PORT);
http.createServer((_req, res) => res.end(`ok ${process.pid}`)).listen(port, process.env.HOST ?? '127.0.0.1');
