// Translations. Each feature keeps its strings next to it in locales/<feature>.js and registers them:
//   register({ en: { "files.upload": "Upload" }, "zh-CN": { "files.upload": "上传" } })
// t(key, vars) looks in the current language, then English, then shows the key itself.
// Placeholders: t("files.count", { n: 3 }) with "{n} items".
export const LANGUAGES = [
  { code: "en-US", label: "English" },
  { code: "zh-CN", label: "简体中文" },
];
const LANG_KEY = "pyreve.language";
const tables = { en: {}, "zh-CN": {} };

export function register(dictionaries) {
  for (const [lang, strings] of Object.entries(dictionaries)) Object.assign(tables[lang] ||= {}, strings);
}

function normalize(code) {
  return (code || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en-US";
}

let language = normalize(localStorage.getItem(LANG_KEY) || navigator.language);
document.documentElement.lang = language;

export function currentLanguage() { return language; }

/** Switch language; the caller re-renders (app.js re-runs the current route). */
export function setLanguage(code) {
  language = normalize(code);
  localStorage.setItem(LANG_KEY, language);
  document.documentElement.lang = language;
}

export function t(key, vars) {
  const table = language === "zh-CN" ? tables["zh-CN"] : tables.en;
  let text = table[key] ?? tables.en[key] ?? key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return text;
}
