import { describe } from 'vitest';
import { jobStoreContract } from '../../../support/contracts/job-store';
import { MemoryJobStore } from '../../../support/memory/dbroles';

/** The store the use case tests run on keeps the DynamoDB store's contract (test/adapters runs the same tests on that one). */
describe('MemoryJobStore', () => {
  const store = new MemoryJobStore();

  jobStoreContract(() => store);
});
