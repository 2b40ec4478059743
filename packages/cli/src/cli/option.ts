/** The kinds of value an option takes. `size` is `AxB` with positive integers (`24x24`, `640x480`). */
export type OptionType = 'string' | 'number' | 'boolean' | 'size';

/** The parsed value of an option of type `T`. */
export type OptionValue<T extends OptionType> = T extends 'number' ? number : T extends 'boolean' ? boolean : T extends 'size' ? [number, number] : string;

/**
 * Declares one command-line option: its type, what it does, its default and how help shows its
 * value. A command lists its options once; parsing, help and unknown-option errors come from it.
 */
export interface OptionSpec<T extends OptionType = OptionType> {
  /** What the value is parsed as. */
  type: T;
  /** One line for `--help`. */
  description: string;
  /** The value's placeholder in help (`N`, `FILE`); booleans take none. */
  valueName?: string;
  /** Applied when the option is not given, and shown in help. */
  default?: OptionValue<T>;
  /** Help text for a default that is not a fixed value (`all tokens`, `the file's layout`). */
  defaultNote?: string;
  /** The only accepted values of a string option. */
  choices?: readonly string[];
  /** A one-letter alias (`h` for `-h`). */
  short?: string;
  /** The option may be given several times; its value is the list, in order (string options). */
  multiple?: boolean;
}

/** A command's options by flag name (kebab-case, without `--`). */
export type OptionSpecs = Record<string, OptionSpec>;

/** Parsed option values: a value for every option with a default, possibly undefined otherwise. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends { multiple: true }
    ? OptionValue<O[K]['type']>[] | undefined
    : O[K] extends { default: unknown }
      ? OptionValue<O[K]['type']>
      : OptionValue<O[K]['type']> | undefined;
};

/** How help shows an option's value: `NAME`, `a|b|c` or nothing for a flag. */
export function valueLabel(spec: OptionSpec): string {
  if (spec.type === 'boolean') return '';
  if (spec.choices) return spec.choices.join('|');
  return spec.valueName ?? (spec.type === 'number' ? 'N' : spec.type === 'size' ? 'AxB' : 'VALUE');
}

/** `--name VALUE` as help and usage lines show it. */
export function flagLabel(name: string, spec: OptionSpec): string {
  const v = valueLabel(spec);
  return v ? `--${name} ${v}` : `--${name}`;
}
