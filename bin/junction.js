#!/usr/bin/env node
import { runCli } from '../dist/cli/main.js'

const code = await runCli(process.argv.slice(2))
// `start` keeps the process alive and exits on its own when stopped.
if (!['start', 'sandbox'].includes(process.argv[2] ?? '') || code !== 0) process.exit(code)
