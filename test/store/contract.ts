/**
 * The store contract: one suite every backend must pass identically. Each test gets a
 * fresh fixture (its own memory, SQLite file or Redis key prefix) and a ManualClock.
 */
import { describe } from 'node:test';
import { auditContract } from './contract-audit.js';
import { counterContract } from './contract-counters.js';
import { documentContract } from './contract-documents.js';
import { listContract } from './contract-list.js';
import { notifyContract } from './contract-notify.js';
import { transactContract } from './contract-transact.js';
import type { FixtureFactory } from './fixture.js';

export type { FixtureFactory, StoreFixture } from './fixture.js';

export interface ContractOptions {
  /**
   * The fixture can take its backend down and bring it back (Redis, memory). SQLite has no
   * such switch (a local file does not "go down"); its failure modes are covered by
   * sqlite-file.test.ts, so the outage test is not registered for it.
   */
  readonly outage: boolean;
}

export function runStoreContract(
  name: string,
  make: FixtureFactory,
  options: ContractOptions = { outage: true },
): void {
  describe(`store contract: ${name}`, () => {
    documentContract(make);
    listContract(make);
    transactContract(make);
    counterContract(make);
    auditContract(make);
    notifyContract(make, options.outage);
  });
}
