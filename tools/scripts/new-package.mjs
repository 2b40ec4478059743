// Scaffolds a workspace package: package.json with an exports map (source in the repo, dist
// when published), tsconfig for typecheck and build, vitest config. Usage:
//   node tools/scripts/new-package.mjs NAME "description" dep1 dep2 …
import { copyFileSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, ...deps] = process.argv.slice(2);
if (!name || !description) {
  console.error('usage: new-package.mjs NAME DESCRIPTION [DEPS…]');
  process.exit(2);
}
const dir = join('packages', name);
mkdirSync(join(dir, 'src'), { recursive: true });
mkdirSync(join(dir, 'test'), { recursive: true });
const pkg = {
  name: `@d2pruner/${name}`,
  version: '0.1.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20' },
  exports: {
    '.': {
      '@d2pruner/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', 'src', 'README.md', 'CHANGELOG.md', '!src/**/*.test.ts'],
  scripts: {
    build: 'tsc -p tsconfig.build.json',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    lint: 'eslint src test',
    test: 'vitest run',
  },
  dependencies: Object.fromEntries(deps.map((d) => [`@d2pruner/${d}`, '0.1.0'])),
};
const write = (file, text) => {
  if (!existsSync(join(dir, file))) writeFileSync(join(dir, file), text);
};
write('package.json', JSON.stringify(pkg, null, 2) + '\n');
write(
  'tsconfig.json',
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { customConditions: ['@d2pruner/source'], noEmit: true },
      include: ['src', 'test'],
    },
    null,
    2,
  ) + '\n',
);
write(
  'tsconfig.build.json',
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { rootDir: 'src', outDir: 'dist' },
      include: ['src'],
      exclude: ['src/**/*.test.ts'],
    },
    null,
    2,
  ) + '\n',
);
write('vitest.config.ts', "export { default } from '../../vitest.shared.ts';\n");
if (!existsSync(join(dir, 'LICENSE'))) copyFileSync(join('packages', 'core', 'LICENSE'), join(dir, 'LICENSE'));
console.log(`scaffolded ${dir}`);
