#!/usr/bin/env node
// The installed command. It lives outside dist/ so that the file exists before the first build: pnpm
// links workspace bins at install time, and warned about a missing target when the bin pointed into dist/.
import '../dist/cli.js';
