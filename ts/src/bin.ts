#!/usr/bin/env node
import { main } from './cli/program.js';

const code = await main(process.argv);
if (code !== 0) process.exitCode = code;
