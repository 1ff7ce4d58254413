// Starts the Koa example server from the environment (see DESIGN.md / README).
import { banner, closeOnSignal, listen, loadConfig, runMain } from 'example-shared';
import { createApp } from './app.js';

runMain(async () => {
  const config = await loadConfig();
  const { app, guard } = createApp(config);
  await guard.ready();
  const { server, url } = await listen(config, app.callback());
  console.log(banner(config, url, 'koa'));
  closeOnSignal(async () => {
    server.close();
    await guard.close();
  });
});
