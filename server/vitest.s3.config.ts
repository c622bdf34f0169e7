import { execFileSync } from 'node:child_process';
import { defineConfig } from 'vitest/config';
import { STORAGE_SUITES, matrixConfig } from './vitest.matrix.js';

/**
 * `pnpm test:s3`: the storage-dependent suites again, with STORAGE=s3 against a real Ceph RADOS
 * Gateway (test/helpers/s3Gateway.ts starts one for the run; each test server gets its own bucket).
 * Without Ceph installed they are skipped with a notice; REQUIRE_SERVICES=1 makes that a failure.
 */
const cephInstalled = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v radosgw && command -v ceph-mon && command -v ceph-osd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!cephInstalled && !process.env.TEST_S3_ENDPOINT) {
  if (process.env.REQUIRE_SERVICES === '1')
    throw new Error('Ceph (radosgw, ceph-mon, ceph-osd) is required for the S3 suites (REQUIRE_SERVICES=1) but is not installed');
  console.warn('\n  NOTICE: Ceph (radosgw, ceph-mon, ceph-osd) is not installed; the S3 storage suites are SKIPPED on this machine.\n');
}

const gateway = cephInstalled || process.env.TEST_S3_ENDPOINT !== undefined;

export default matrixConfig(
  gateway ? STORAGE_SUITES : [],
  defineConfig({
    test: {
      passWithNoTests: true,
      env: { STORAGE: 's3' },
      globalSetup: gateway ? ['test/helpers/s3Gateway.ts'] : [],
      testTimeout: 60_000,
    },
  }),
);
