// Light and dark themes ("light", "dark", or follow the system when nothing is chosen), and the theme
// colour: the signed-in user's `preferred_theme` among the site's themes, else the site's default.
import { currentUser } from "./api.js";
import { on } from "./events.js";
import { siteConfig } from "./site.js";

const THEME_KEY = "pyreve.theme";
const COLOR_KEY = "pyreve.color"; // [light shade, dark shade], for boot.js to paint the first frame right

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

const isColor = (value) => typeof value === "string" && CSS.supports("color", value);

/** The site's theme colours: [{ key, light, dark }], `key` being what `preferred_theme` stores. */
export function themeColors() {
  let options = {};
  try { options = JSON.parse(siteConfig().themes || "{}") || {}; } catch { /* a broken setting: no choice */ }
  return Object.entries(options).map(([key, modes]) => ({
    key, light: modes?.light?.palette?.primary?.main, dark: modes?.dark?.palette?.primary?.main,
  })).filter((color) => isColor(color.light) && isColor(color.dark));
}

export function currentThemeColor() {
  const colors = themeColors();
  const byKey = (key) => colors.find((color) => color.key === key);
  return byKey(currentUser()?.preferred_theme) || byKey(siteConfig().default_theme) || null;
}

function applyThemeColor() {
  const color = currentThemeColor();
  const style = document.documentElement.style;
  if (!color) {
    style.removeProperty("--accent");
    style.removeProperty("--accent-dark");
    localStorage.removeItem(COLOR_KEY);
    return;
  }
  style.setProperty("--accent", color.light);
  style.setProperty("--accent-dark", color.dark);
  localStorage.setItem(COLOR_KEY, JSON.stringify([color.light, color.dark]));
}

on("site-config", applyThemeColor);
on("session", applyThemeColor);
