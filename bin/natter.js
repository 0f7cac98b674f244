#!/usr/bin/env node
import { tuneV8ForCalls } from '../dist/src-main/engine/v8-tuning.js';

// Before the CLI's modules load, so that every function of the packet path takes the setting.
tuneV8ForCalls();
const { installFaultNet } = await import('../dist/src-main/cli/fault-net.js');
// For the life of the process: a rejection nobody handled must not end a call.
installFaultNet(process, (line) => console.error(line));
const { main } = await import('../dist/src-main/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`natter: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
