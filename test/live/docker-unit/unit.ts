// The unit of the docker-backend tests, run by `node --import tsx` from the mounted repository:
// answers `ok <pid>` on 127.0.0.1:PORT, appends each path to LOG (the writable run folder), and
// exits with code 3 after a line on stderr when asked for /crash.
import { appendFileSync } from 'node:fs';
import http from 'node:http';

const port = Number(process.env.PORT);
http
  .createServer((req, res) => {
    appendFileSync(process.env.LOG!, `${req.url}\n`);
    if (req.url === '/crash') {
      process.stderr.write('unit: crashing as asked\n');
      res.end('bye', () => process.exit(3));
      return;
    }
    res.end(`ok ${process.pid}`);
  })
  .listen(port, '127.0.0.1');
