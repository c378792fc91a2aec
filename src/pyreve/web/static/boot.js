// Runs before the first paint (a classic script, not a module): apply the saved theme so a dark page
// never flashes white.
try {
  const theme = localStorage.getItem("pyreve.theme");
  if (theme) document.documentElement.dataset.theme = theme;
} catch (e) { /* storage may be disabled */ }
