// The built lab (dist/) with one more service, to see what `plainwire lab` does when a service misbehaves. Run
// by the tests as `node fixture-lab.mjs MODE DATA_DIR`:
// - crash: "crasher" throws on the first line a client sends, and its stop then waits for that client for ever;
// - slow-start: "slow" listens but is not up until a client connects (a start that takes a while).
import { createServer } from 'node:net';
import { exampleSiteDir } from '../../dist/src/lab/package-files.js';
import { runLab } from '../../dist/src/lab/run.js';
import { LAB_SERVICES } from '../../dist/src/lab/services.js';
import { createLogger } from '../../dist/src/log.js';

const [mode, dataDir] = process.argv.slice(2);

function listen(server, host, port) {
  return new Promise((resolve) => server.listen(port, host, () => resolve(server.address().port)));
}

const crasher = {
  name: 'crasher',
  async start({ host, port }) {
    const server = createServer((socket) => {
      socket.on('data', () => {
        throw new Error('crasher: cannot handle that');
      });
    });
    return {
      host,
      port: await listen(server, host, port),
      stop: () => new Promise((resolve) => server.close(() => resolve())),
    };
  },
  where: (address) => `${address.host}:${address.port}`,
  tryThis: () => 'send it a line',
};

const slow = {
  name: 'slow',
  async start({ host, port, logger }) {
    const sockets = new Set();
    let up;
    const connected = new Promise((resolve) => {
      up = resolve;
    });
    const server = createServer((socket) => {
      sockets.add(socket);
      up();
    });
    const bound = await listen(server, host, port);
    logger.info(`waiting on ${host}:${bound} for a client before it is up`);
    await connected;
    return {
      host,
      port: bound,
      stop: () =>
        new Promise((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    };
  },
  where: (address) => `${address.host}:${address.port}`,
  tryThis: () => 'nothing',
};

await runLab({
  host: '127.0.0.1',
  ports: {},
  dataDir,
  siteDir: exampleSiteDir(),
  services: [...LAB_SERVICES, mode === 'crash' ? crasher : slow],
  loggerFor: (name) => createLogger(name, { pretty: true }),
  cli: 'plainwire',
  stopTimeoutMs: 5000,
});
