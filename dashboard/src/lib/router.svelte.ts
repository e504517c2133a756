/** Hash routes (`#/exams/:id/live`): the API serves one index.html for every page. */
export const route = $state({ path: location.hash.slice(1) || '/' });

addEventListener('hashchange', () => (route.path = location.hash.slice(1) || '/'));

export function go(path: string): void {
  location.hash = path;
}

/** The parameters of `pattern` (`/exams/:examId/live`) in the current path, or null when it does not match. */
export function match(pattern: string): Record<string, string> | null {
  const names: string[] = [];
  const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, name: string) => (names.push(name), '([^/]+)'))}$`);
  const found = regex.exec(route.path.split('?')[0]!);
  return found ? Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(found[index + 1]!)])) : null;
}
