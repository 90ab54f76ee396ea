import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/stop-started-hubs.ts'],
    // Hang guards, not speed bounds: a test that opens an embedded database or starts a hub takes several times
    // longer on a laptop busy with other work (npm run test:busy), and must still pass there.
    testTimeout: 90_000,
    // Two workers on this 2-core machine (Vitest's default is one fewer than the cores): most suites wait on sockets
    // and databases, so the parallel group takes about two thirds of the time. Serial suites still run one at a time.
    maxWorkers: 2,
    hookTimeout: 180_000,
    // Suites whose names end in .serial.test.ts measure time or start many processes: they run one at a time.
    sequence: { groupOrder: 0 },
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.serial.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'serial',
          include: ['test/**/*.serial.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
