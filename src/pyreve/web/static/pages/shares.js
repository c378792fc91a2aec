// "My shares" (/shares): every link the person made, newest first, with its counters and state;
// copy, open, edit and delete each one.
import "../locales/share.js";
import { h, icon, iconButton, copyText, confirmDialog, toast, toastError, clear } from "../core/dom.js";
import { get, del } from "../core/api.js";
import { t } from "../core/i18n.js";
import { joinUri } from "../core/uri.js";
import { openShareDialog, splitShareUrl, expiryText, countText } from "../files/share-dialog.js";

const PAGE_SIZE = 50;
const FOLDER = 1;

/** The shared item as the share dialog needs it, found from the link's owner-only source URI. */
async function sourceOf(share) {
  const info = await get(`/share/info/${encodeURIComponent(share.id)}`, { owner_extended: true });
  if (!info.source_uri) return null;
  // A single file's share is rooted at its folder: the file is that folder's child of the same name.
  const path = share.source_type === FOLDER ? info.source_uri : joinUri(info.source_uri, share.name);
  return { path, name: share.name, type: share.source_type };
}

function meta(share) {
  const parts = [countText("share.views", share.visited || 0)];
  if (share.source_type !== FOLDER) parts.push(countText("share.downloads", share.downloaded || 0));
  if (share.remain_downloads !== undefined && share.remain_downloads !== null) {
    parts.push(countText("share.downloadsLeft", share.remain_downloads));
  }
  parts.push(expiryText(share));
  return parts.join(" · ");
}

export default {
  mount(outlet) {
    let nextToken = "";
    let loading = false;
    const list = h("ul.myshares-list", { "aria-label": t("share.pageTitle") });
    const more = h("button.myshares-more", { type: "button", hidden: true, onclick: () => load() }, t("share.loadMore"));
    const status = h("p.empty", { hidden: true }, t("share.empty"));
    const busy = h("p.muted.myshares-loading", { role: "status" }, t("common.loading"));
    outlet.append(h("section.myshares", null, h("h1", null, t("share.pageTitle")), busy, status, list, more));

    async function edit(share) {
      try {
        const file = await sourceOf(share);
        if (!file) { toast(t("share.sourceGone"), "error"); return; }
        if (await openShareDialog(file, { share })) await reloadAll();
      } catch (err) {
        toastError(err);
      }
    }

    async function remove(share, item) {
      const yes = await confirmDialog(t("share.deleteTitle"), t("share.deleteConfirm", { name: share.name }),
        { confirmLabel: t("share.delete"), danger: true });
      if (!yes) return;
      try {
        await del(`/share/${encodeURIComponent(share.id)}`);
        item.remove();
        status.hidden = list.children.length > 0 || !more.hidden;
        toast(t("share.deleted"), "success");
      } catch (err) {
        toastError(err);
      }
    }

    function row(share) {
      const { link } = splitShareUrl(share.url, share.password);
      const name = share.name || share.id;
      const item = h("li.myshares-item" + (share.expired ? ".expired" : ""), { dataset: { id: share.id } },
        h("span.myshares-kind", null, icon(share.source_type === FOLDER ? "folder" : "file")),
        h("div.myshares-main", null,
          h("div.myshares-title", null, h("span.myshares-name", { title: name }, name),
            share.expired ? h("span.share-badge.expired", null, t("share.expired")) : null,
            share.password ? h("span.share-badge", null, icon("lock"), t("share.passwordProtected")) : null),
          h("div.myshares-link", null, h("span.share-url", { title: link }, link),
            iconButton("copy", t("share.copyLink"), () => copyText(link))),
          h("div.myshares-meta.muted", null, meta(share))),
        h("div.myshares-actions", { role: "group", "aria-label": t("share.actionsFor", { name }) },
          h("a.myshares-open", { href: share.url, target: "_blank", rel: "noopener" }, icon("link"), h("span", null, t("share.open"))),
          h("button", { type: "button", onclick: () => edit(share) }, icon("rename"), h("span", null, t("share.edit"))),
          h("button.danger", { type: "button", onclick: () => remove(share, item) }, icon("delete"), h("span", null, t("share.delete")))));
      return item;
    }

    async function load() {
      if (loading) return;
      loading = true;
      more.disabled = true;
      try {
        const data = await get("/share", { page_size: PAGE_SIZE, order_direction: "desc", next_page_token: nextToken });
        list.append(...(data.shares || []).map(row));
        nextToken = data.pagination?.next_token || "";
        more.hidden = !nextToken;
        status.hidden = list.children.length > 0;
      } catch (err) {
        toastError(err);
      } finally {
        busy.hidden = true;
        loading = false;
        more.disabled = false;
      }
    }

    async function reloadAll() {
      clear(list);
      nextToken = "";
      await load();
    }

    load();
    return {};
  },
};
