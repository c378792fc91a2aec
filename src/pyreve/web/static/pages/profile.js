// /profile/:id: someone's public profile and the share links they show there. Visitors may see it too.
import "../locales/settings.js";
import { h, icon, toastError } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { get, currentUser } from "../core/api.js";
import { formatDate } from "../core/format.js";
import { avatarImage } from "./settings-common.js";

const PAGE_SIZE = 20;

/** The share's own page on this site (the server's link may name another host behind a proxy). */
function shareHref(share) {
  try {
    const url = new URL(share.url, location.origin);
    return url.pathname + url.search;
  } catch {
    return `/s/${encodeURIComponent(share.id)}`;
  }
}

function shareRow(share) {
  const kind = share.source_type === 1 ? "folder" : "file";
  return h("li.profile-share", null,
    icon(kind),
    h("a", { href: shareHref(share) }, share.name || share.id),
    h("span.muted", null, t("profile.views", { n: share.visited || 0 })),
    h("span.muted", null, formatDate(share.created_at)),
    share.expired ? h("span.badge", null, t("profile.expired")) : null);
}

export default {
  auth: false,
  async mount(outlet, ctx) {
    const id = ctx.params.id;
    const user = await get(`/user/info/${encodeURIComponent(id)}`);
    const name = user.nickname || user.email || id;
    const list = h("ul.profile-shares", { "aria-label": t("profile.shares") });
    const more = h("button", { type: "button", hidden: true }, t("connect.loadMore"));
    const empty = h("p.empty", { hidden: true }, t("profile.noShares"));
    const mine = currentUser()?.id === user.id;
    outlet.append(h("div.profile-page", null,
      h("section.card.profile-card", { "aria-labelledby": "profile-name" },
        avatarImage(user, 88),
        h("div.profile-facts", null,
          h("h1#profile-name", null, name),
          user.email ? h("p.muted", null, user.email) : null,
          h("p.muted", null,
            user.group ? h("span.badge", null, user.group.name) : null,
            " ", t("profile.joined", { date: formatDate(user.created_at) })),
          mine ? h("a", { href: "/settings", "data-link": true }, t("profile.edit")) : null)),
      h("section.card", { "aria-labelledby": "profile-shares-title" },
        h("h2#profile-shares-title", null, t("profile.shares")), list, empty, more)));

    let nextToken = "";
    const load = async () => {
      const data = await get(`/user/shares/${encodeURIComponent(id)}`,
        { page_size: PAGE_SIZE, next_page_token: nextToken, order_by: "id", order_direction: "desc" });
      list.append(...(data.shares || []).map(shareRow));
      nextToken = data.pagination?.next_token || "";
      more.hidden = !nextToken;
      empty.hidden = list.childElementCount > 0;
    };
    more.addEventListener("click", async () => {
      more.disabled = true;
      try { await load(); } catch (err) { toastError(err); } finally { more.disabled = false; }
    });
    await load();
    return {};
  },
};
