import { InvalidArgumentError, UnknownNameError } from './errors.js';

/** Anything a registry can hold: it has a name and may have aliases. */
export interface Named {
  /** The name it is registered and looked up under. */
  readonly name: string;
  /** Other names that find it too. */
  readonly aliases?: readonly string[];
}

/**
 * A name → item registry with aliases. Used for methods, model adapters and kernel backends, so
 * users add their own without forking (docs/architecture.md §2).
 */
export class Registry<T extends Named> {
  private readonly items = new Map<string, T>();
  private readonly aliases = new Map<string, string>();

  /** @param kind what the registry holds, used in error messages ("method", "adapter", …) */
  constructor(readonly kind: string) {}

  /**
   * Adds an item. Re-registering a name replaces the earlier item only with `replace: true`;
   * otherwise it is an error, so two packages cannot silently shadow each other.
   */
  register(item: T, options: { replace?: boolean } = {}): void {
    if (!item.name || typeof item.name !== 'string') throw new InvalidArgumentError(this.kind, `a ${this.kind} needs a name`);
    const key = item.name.toLowerCase();
    if ((this.items.has(key) || this.aliases.has(key)) && !options.replace) {
      throw new InvalidArgumentError(this.kind, `${this.kind} '${item.name}' is already registered (pass replace: true to override)`);
    }
    this.items.set(key, item);
    for (const a of item.aliases ?? []) this.aliases.set(a.toLowerCase(), key);
  }

  /** Removes an item by name; returns whether it existed. */
  unregister(name: string): boolean {
    const key = name.toLowerCase();
    for (const [a, target] of this.aliases) if (target === key) this.aliases.delete(a);
    return this.items.delete(key);
  }

  /** Looks up an item by name or alias (case-insensitive). */
  find(name: string): T | undefined {
    if (typeof name !== 'string') return undefined;
    const key = name.toLowerCase();
    return this.items.get(key) ?? this.items.get(this.aliases.get(key) ?? '');
  }

  /** Looks up an item; throws {@link UnknownNameError} listing the known names when absent. */
  get(name: string): T {
    const item = this.find(name);
    if (!item) throw new UnknownNameError(this.kind, name, this.names());
    return item;
  }

  /** True when the name or alias is registered. */
  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** Registered items in registration order. */
  list(): T[] {
    return [...this.items.values()];
  }

  /** Registered names in registration order. */
  names(): string[] {
    return this.list().map((i) => i.name);
  }
}
