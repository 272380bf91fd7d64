import { createRequire as __hotswapCreateRequire } from 'node:module';
const require = __hotswapCreateRequire(import.meta.url);
