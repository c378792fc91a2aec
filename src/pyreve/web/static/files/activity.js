// A file's activity log, shown in its details: who did what and when, newest first, filtered by kind
// and read a page at a time (the server pages by cursor).
import { get, currentUser } from "../core/api.js";
import { h, errorMessage } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { formatDate, formatRelative } from "../core/format.js";
import { parseUri, parentUri } from "../core/uri.js";
import { readableLocation } from "./browse-util.js";

const PAGE_SIZE = 20;
const FILTERS = ["", "my", "updates", "reads"];

// Event numbers of the activity log (Cloudreve's audit-log kinds) → message keys.
const MESSAGES = {
  7: "activity.created", 8: "activity.renamed", 9: "activity.permission", 10: "activity.uploaded",
  11: "activity.downloaded", 12: "activity.copiedFrom", 13: "activity.copiedTo", 14: "activity.moved",
  15: "activity.deleted", 16: "activity.trashed", 17: "activity.shared", 18: "activity.shareViewed",
  19: "activity.versionRestored", 20: "activity.versionDeleted", 21: "activity.thumbnail",
  23: "activity.metadata", 24: "activity.shareEdited", 25: "activity.shareDeleted", 26: "activity.mounted",
  43: "activity.linkCreated", 56: "activity.viewSaved", 57: "activity.linkDeleted",
};

/** The folder holding the entry at a cloudreve:// URI, as a person reads it. */
const place = (uri) => (parseUri(String(uri || "")) ? readableLocation(parentUri(uri)) : "");

function describe(content) {
  const key = MESSAGES[content.category];
  if (!key) return t("activity.other", { n: content.category });
  return t(key, {
    from: content.original_name || place(content.from), to: content.new_name || place(content.to),
    policy: content.policy || "",
  });
}

function actor(entry) {
  if (!entry.user) return t("activity.someone");
  return entry.user.id === currentUser()?.id ? t("info.you") : entry.user.nickname || t("activity.someone");
}

function item(entry) {
  return h("li.activity", null,
    h("span.activity-what", null, h("strong", null, actor(entry)), " ", describe(entry.content)),
    h("time.muted", { datetime: entry.created_at, title: formatDate(entry.created_at) }, formatRelative(entry.created_at)));
}

/** The activity section for the file at `uri`; it loads itself. */
export function activityLog(uri) {
  const list = h("ul.activity-list", { "aria-label": t("activity.title"), tabindex: "0" });  // it scrolls: keyboard users must reach it
  const more = h("button.text", { type: "button", hidden: true, onclick: () => load(false) }, t("activity.more"));
  const status = h("p.muted", { role: "status" });
  const filter = h("select", { "aria-label": t("activity.filter"), onchange: () => load(true) },
    FILTERS.map((value) => h("option", { value }, t(`activity.filter.${value || "all"}`))));
  let token = "";
  let generation = 0;

  async function load(fresh) {
    const mine = ++generation;
    if (fresh) { token = ""; list.replaceChildren(); }
    more.hidden = true;
    status.textContent = t("common.loading");
    try {
      const page = await get("/file/activities", {
        uri, page_size: PAGE_SIZE, order_direction: "desc", filter: filter.value || undefined,
        next_page_token: token || undefined,
      });
      if (mine !== generation) return;  // a newer filter choice answered first
      list.append(...page.activities.map(item));
      token = page.pagination?.next_token || "";
      more.hidden = !token;
      status.textContent = list.childElementCount ? "" : t("activity.none");
    } catch (err) {
      if (mine === generation) status.textContent = errorMessage(err);
    }
  }

  load(true);
  return h("section.activity-log", null,
    h("div.activity-head", null, h("h3", null, t("activity.title")), filter),
    list, status, more);
}
