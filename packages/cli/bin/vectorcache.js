#!/usr/bin/env node
// Launcher for the `vectorcache` command: runs the built CLI (pnpm build) with the process arguments.
import('../dist/index.js').then((m) => m.run(process.argv.slice(2))).then((code) => { process.exitCode = code; });
