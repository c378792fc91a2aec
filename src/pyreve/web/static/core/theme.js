// Light and dark themes: "light", "dark", or follow the system when nothing is chosen.
const THEME_KEY = "pyreve.theme";

export function currentTheme() {
  const chosen = localStorage.getItem(THEME_KEY);
  if (chosen) return chosen;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export function setTheme(theme) {
  localStorage.setItem(THEME_KEY, theme);
  document.documentElement.dataset.theme = theme;
}

export function toggleTheme() {
  setTheme(currentTheme() === "dark" ? "light" : "dark");
}
