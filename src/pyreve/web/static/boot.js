// Runs before the first paint (a classic script, not a module): apply the saved theme and theme colour
// so a dark page never flashes white and buttons never flash another colour.
try {
  const theme = localStorage.getItem("pyreve.theme");
  if (theme) document.documentElement.dataset.theme = theme;
  const color = JSON.parse(localStorage.getItem("pyreve.color") || "null");
  if (Array.isArray(color) && CSS.supports("color", color[0]) && CSS.supports("color", color[1])) {
    document.documentElement.style.setProperty("--accent", color[0]);
    document.documentElement.style.setProperty("--accent-dark", color[1]);
  }
} catch (e) { /* storage may be disabled */ }
