// Starts the Fastify example server from the environment (see DESIGN.md / README).
import { banner, closeOnSignal, listen, loadConfig, runMain } from 'example-shared';
import { createApp } from './app.js';

runMain(async () => {
  const config = await loadConfig();
  const { app, guard } = await createApp(config);
  await app.ready();
  await guard.ready();
  const { server, url } = await listen(config, (req, res) => app.routing(req, res));
  console.log(banner(config, url, 'fastify'));
  closeOnSignal(async () => {
    server.close();
    await app.close();
    await guard.close();
  });
});
