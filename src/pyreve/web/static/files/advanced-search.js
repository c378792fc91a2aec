// Advanced search: name words (all or any, with or without case), type, size, dates and a tag, in all
// of My files or below the current folder. The conditions become the search query of a cloudreve://
// URI (file-uri.md §5), so the results page is an ordinary listing that can be bookmarked.
import "../locales/search.js";
import { h, dialog } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { navigate } from "../core/router.js";
import { parseUri, buildUri, homeUrl, MY_ROOT } from "../core/uri.js";
import { readableLocation } from "./browse-util.js";

const UNITS = { KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
// The server applies both size bounds when either is given: an open upper bound is this large.
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER;
const DAY_SECONDS = 86400;

/** "2026-12-06" (local day) ↔ Unix seconds at that day's start. */
const dayStart = (value) => Math.floor(new Date(`${value}T00:00:00`).getTime() / 1000);
function dayOf(seconds) {
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** A byte count in `unit`, for prefilling. */
function sizeIn(bytes, unit) {
  return bytes ? String(Math.round((Number(bytes) / UNITS[unit]) * 100) / 100) : "";
}

/** The search query the form describes; null when it asks for nothing. */
function queryOf(fields) {
  const query = new URLSearchParams();
  for (const word of fields.name.value.trim().split(/\s+/).filter(Boolean)) query.append("name", word);
  if (query.getAll("name").length > 1 && fields.anyWord.checked) query.set("name_op_or", "");
  if (query.has("name") && !fields.matchCase.checked) query.set("case_folding", "");
  if (fields.type.value) query.set("type", fields.type.value);
  const unit = UNITS[fields.unit.value];
  const min = fields.sizeMin.value === "" ? null : Math.round(Number(fields.sizeMin.value) * unit);
  const max = fields.sizeMax.value === "" ? null : Math.round(Number(fields.sizeMax.value) * unit);
  if (min !== null || max !== null) {
    query.set("size_gte", String(min ?? 0));
    query.set("size_lte", String(max ?? NO_UPPER_BOUND));
  }
  if (fields.after.value) query.set("updated_gte", String(dayStart(fields.after.value)));
  if (fields.before.value) query.set("updated_lte", String(dayStart(fields.before.value) + DAY_SECONDS - 1));
  const tag = fields.tag.value.trim();
  if (tag) query.set(`meta_tag:${tag}`, "");
  return [...query.keys()].length ? query : null;
}

/** Whether a query is one this form can show (and so edit) in full. */
const EDITABLE = /^(name|name_op_or|use_or|case_folding|type|size_gte|size_lte|updated_gte|updated_lte|meta_tag:.+)$/;

/**
 * Open the form. `uri` is where the person is: a folder of My files offers "only in this folder", and a
 * search made here prefills the form (scope and conditions).
 */
export function advancedSearch(uri = MY_ROOT) {
  const parsed = parseUri(uri);
  const inMine = parsed?.fs === "my";
  const query = new URLSearchParams(inMine ? parsed.query : "");
  const editable = [...query.keys()].every((key) => EDITABLE.test(key));
  const prior = editable ? query : new URLSearchParams();
  const folder = inMine ? buildUri({ ...parsed, query: "" }) : MY_ROOT;
  const max = Number(prior.get("size_lte") || 0);
  const bounds = [Number(prior.get("size_gte") || 0), max < NO_UPPER_BOUND ? max : 0].filter((n) => n > 0);
  const unit = !bounds.length ? "MB"
    : Object.keys(UNITS).reverse().find((u) => bounds.every((n) => n % UNITS[u] === 0)) || "KB";
  const tagKey = [...prior.keys()].find((key) => key.startsWith("meta_tag:"));

  const fields = {
    name: h("input", { type: "text", value: prior.getAll("name").join(" "), autofocus: true }),
    anyWord: h("input", { type: "checkbox", checked: prior.has("name_op_or") || prior.has("use_or") }),
    matchCase: h("input", { type: "checkbox", checked: prior.has("name") && !prior.has("case_folding") }),
    // Named by aria-label: a label wrapping a select would add the chosen option to the name.
    type: h("select", { "aria-label": t("search.type") }, [["", "search.typeAny"], ["file", "search.typeFile"], ["folder", "search.typeFolder"]]
      .map(([value, key]) => h("option", { value, selected: prior.get("type") === value }, t(key)))),
    sizeMin: h("input", { type: "number", min: 0, step: "any", inputmode: "decimal", "aria-label": t("search.sizeMin"),
      value: sizeIn(prior.get("size_gte"), unit) }),
    sizeMax: h("input", { type: "number", min: 0, step: "any", inputmode: "decimal", "aria-label": t("search.sizeMax"),
      value: max && max < NO_UPPER_BOUND ? sizeIn(max, unit) : "" }),
    unit: h("select", { "aria-label": t("search.sizeUnit") },
      Object.keys(UNITS).map((u) => h("option", { value: u, selected: u === unit }, u))),
    after: h("input", { type: "date", "aria-label": t("search.modifiedAfter"), value: prior.has("updated_gte") ? dayOf(prior.get("updated_gte")) : "" }),
    before: h("input", { type: "date", "aria-label": t("search.modifiedBefore"), value: prior.has("updated_lte") ? dayOf(prior.get("updated_lte")) : "" }),
    tag: h("input", { type: "text", value: tagKey ? tagKey.slice("meta_tag:".length) : "" }),
    here: h("input", { type: "checkbox", checked: folder !== MY_ROOT }),
  };
  const field = (label, input) => h("label.field", null, h("span", null, label), input);
  const check = (label, input) => h("label.check", null, input, h("span", null, label));
  const body = h("div.search-form", null,
    field(t("search.name"), fields.name),
    h("div.search-row", null, check(t("search.anyWord"), fields.anyWord), check(t("search.matchCase"), fields.matchCase)),
    field(t("search.type"), fields.type),
    h("fieldset.search-range", null, h("legend", null, t("search.size")),
      fields.sizeMin, h("span", { "aria-hidden": "true" }, "–"), fields.sizeMax, fields.unit),
    h("fieldset.search-range", null, h("legend", null, t("search.modified")),
      fields.after, h("span", { "aria-hidden": "true" }, "–"), fields.before),
    field(t("search.tag"), fields.tag),
    folder !== MY_ROOT ? check(t("search.onlyHere", { folder: readableLocation(folder) }), fields.here) : null);

  return dialog({
    title: t("search.title"),
    body,
    actions: [
      { label: t("common.cancel") },
      { label: t("search.submit"), primary: true, run: (close) => {
        const found = queryOf(fields);
        if (!found) {
          fields.name.setCustomValidity(t("search.nothing"));
          fields.name.reportValidity();
          fields.name.addEventListener("input", () => fields.name.setCustomValidity(""), { once: true });
          return;
        }
        const scope = fields.here.checked && folder !== MY_ROOT ? folder : MY_ROOT;
        close(true);
        navigate(homeUrl(`${scope}?${found}`));
      } },
    ],
  });
}
