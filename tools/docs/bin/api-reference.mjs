#!/usr/bin/env node
// Builds the API reference of every published package with TypeDoc into docs/api/ (ignored by
// git). Entry points come from each package's `exports` map: every subpath's
// `@d2pruner/source` target. Warnings (an export without JSDoc, a broken {@link}) fail the
// build. Usage: npm run docs:api [-- --out DIR]
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel, PackageJsonReader, ReflectionKind, TSConfigReader } from 'typedoc';

const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 ? resolve(process.argv[outFlag + 1]) : join(root, 'docs', 'api');

/** The published packages: every packages/* directory whose package.json is not private. */
function publishedPackages() {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, 'packages', e.name, 'package.json')))
    .map((e) => join(root, 'packages', e.name))
    .filter((dir) => !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);
}

/** Source entry points of a package: the `@d2pruner/source` target of each `exports` subpath. */
export function exportEntryPoints(dir) {
  const exportsMap = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports ?? {};
  return Object.entries(exportsMap)
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const source = typeof target === 'object' && target !== null ? target['@d2pruner/source'] : undefined;
      if (typeof source !== 'string') throw new Error(`${dir}: export '${subpath}' has no @d2pruner/source target`);
      return join(dir, source);
    });
}

/**
 * Declarations that must carry JSDoc: everything a package exports, and the methods and
 * accessors of exported classes and interfaces. Properties of object types are documented where
 * their meaning is not evident from the name and the type; they are not required.
 */
const REQUIRED = ['Enum', 'EnumMember', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Method', 'Accessor'];

/** Internal structural types a package's public signatures mention (documented where defined). */
const NOT_EXPORTED = { 'kernels-webgpu': ['UniformStruct'] };

/** Gives each package its own entry points and tsconfig when TypeDoc converts it. */
const exportsReader = {
  name: 'd2pruner-exports',
  order: 160, // after package.json (150), before the tsconfig reader (200), which then loads it
  supportsPackages: true,
  read(options, _logger, cwd) {
    if (!existsSync(join(cwd, 'package.json')) || cwd === root) return;
    options.setValue('entryPoints', exportEntryPoints(cwd));
    options.setValue('tsconfig', join(cwd, 'tsconfig.json'));
    options.setValue('intentionallyNotExported', NOT_EXPORTED[basename(cwd)] ?? []);
  },
};

const app = await Application.bootstrapWithPlugins(
  {
    name: 'd2pruner API reference',
    entryPointStrategy: 'packages',
    entryPoints: publishedPackages(),
    out,
    readme: join(root, 'docs', 'api-readme.md'),
    packageOptions: {
      excludePrivate: true,
      excludeInternal: true,
      excludeExternals: true,
      disableSources: true,
      validation: { notExported: true, invalidLink: true, notDocumented: true },
      requiredToBeDocumented: REQUIRED,
    },
    disableSources: true,
    validation: { notExported: true, invalidLink: true, notDocumented: true },
    treatWarningsAsErrors: true,
    logLevel: LogLevel.Warn,
    githubPages: false,
  },
  [new PackageJsonReader(), exportsReader, new TSConfigReader()],
);

const project = await app.convert();
if (!project) {
  console.error('docs:api: TypeDoc could not convert the packages (see the messages above)');
  process.exit(1);
}
// A package with several exports becomes one module per entry; name them as they are imported.
for (const pkg of project.children ?? []) {
  for (const entry of pkg.children ?? []) {
    if (!entry.kindOf(ReflectionKind.Module)) continue;
    entry.name = entry.name === 'index' ? pkg.name : `${pkg.name}/${entry.name.replace(/\/index$/, '')}`;
  }
}
app.validate(project);
if (app.logger.hasErrors() || app.logger.hasWarnings()) {
  console.error('docs:api: TypeDoc reported problems (see above); fix them before publishing the reference');
  process.exit(1);
}
await app.generateDocs(project, out);
if (app.logger.hasErrors() || app.logger.hasWarnings()) process.exit(1);
console.log(`docs:api: API reference of ${publishedPackages().length} packages written to ${out}`);
