/** The benchmark's upstream: a minimal keep-alive HTTP server on 127.0.0.1 answering a small body. */
import http from 'node:http';

const port = Number(process.argv[2]);
const body = Buffer.from('x'.repeat(64));
const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
