#!/usr/bin/env node
import { createRequire as __hotswapCreateRequire } from 'node:module';
const require = __hotswapCreateRequire(import.meta.url);

// receiver/cli.ts
console.log("placeholder");
