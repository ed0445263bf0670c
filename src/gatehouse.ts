/** The public entry point: a running Gatehouse (assembled in src/app/). */
export { Gatehouse, type GatehouseOptions, type ReloadResult } from './app/gatehouse.js';
