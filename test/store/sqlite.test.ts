import { runStoreContract } from './contract.js';
import { sqliteFixture } from './sqlite-fixture.js';

runStoreContract('sqlite', sqliteFixture, { outage: false });
