import type { AnyCommand } from '../cli/command.js';
import { calibrateCommand } from './calibrate.js';
import { evalCommand } from './eval.js';
import { flopsCommand } from './flops.js';
import { generateCommand } from './generate.js';
import { layoutCommand } from './layout.js';
import { methodsCommand } from './methods.js';
import { pruneCommand } from './prune.js';
import { renderCommand } from './render.js';
import { scenesCommand } from './scenes.js';
import { splitDecoderCommand } from './split-decoder.js';

/** Every command, in the order the general help lists them. Adding a command: one file, one entry. */
export const COMMAND_LIST: readonly AnyCommand[] = [pruneCommand, methodsCommand, calibrateCommand, flopsCommand, layoutCommand, renderCommand, evalCommand, scenesCommand, generateCommand, splitDecoderCommand];
