#!/usr/bin/env node
import { main } from '../dist/src-main/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`natter: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
