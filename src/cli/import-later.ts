// How `browse --tui` loads the full-screen mode (ink and react, ES modules kept out of the bundle): import() by
// default. The executable runs the browse bundle as a vm script (src/cli/code-cache.cts), where import() has no
// module loader behind it, so it hands in one of its own.
type Loader = (href: string) => Promise<unknown>;

let loader: Loader = (href) => import(href);

export function importLater<T>(url: URL): Promise<T> {
  return loader(url.href) as Promise<T>;
}

export function setImportLoader(load: Loader): void {
  loader = load;
}
