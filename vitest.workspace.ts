// The list of vitest projects. Vitest 4 dropped workspace files, so vitest.config.ts imports this
// list as `test.projects`; `pnpm test` at the root runs every project.
export default ['packages/*', 'examples/*', 'docs'];
