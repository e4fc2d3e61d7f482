/** Each test file gets its own database cloned from a migrated template (see server/test/support). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/server/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/server/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/server/test/support/globalTeardown.ts',
  maxWorkers: 2,
  testTimeout: 30000,
};
