// The built lab (dist/) with one more service that throws on the first line a client sends, and whose stop then
// waits for that client for ever: what `plainwire lab` does when a service crashes. Run by crash.test.ts as
// `node crashing-lab.mjs DATA_DIR`.
import { createServer } from 'node:net';
import { createLogger } from '../../dist/src/log.js';
import { exampleSiteDir } from '../../dist/src/lab/package-files.js';
import { runLab } from '../../dist/src/lab/run.js';
import { LAB_SERVICES } from '../../dist/src/lab/services.js';

const crasher = {
  name: 'crasher',
  async start({ host, port }) {
    const server = createServer((socket) => {
      socket.on('data', () => {
        throw new Error('crasher: cannot handle that');
      });
    });
    await new Promise((resolve) => server.listen(port, host, resolve));
    return {
      host,
      port: server.address().port,
      stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
  },
  where: (address) => `${address.host}:${address.port}`,
  tryThis: () => 'send it a line',
};

await runLab({
  host: '127.0.0.1',
  ports: {},
  dataDir: process.argv[2],
  siteDir: exampleSiteDir(),
  services: [...LAB_SERVICES, crasher],
  loggerFor: (name) => createLogger(name, { pretty: true }),
  cli: 'plainwire',
  stopTimeoutMs: 5000,
});
