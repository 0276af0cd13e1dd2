// Every package with a vitest.config.ts is a test project; the root vitest.config.ts reads this list
// (vitest 4 no longer loads a workspace file by itself).
export default ['packages/*/vitest.config.ts'];
