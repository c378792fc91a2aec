// Full-window previews: images (with previous/next in the folder, and zoom), video, audio, PDF and text, where text
// files may be edited and saved as a new version.
import { post, apiEnvelope, ApiError } from "../core/api.js";
import { emit } from "../core/events.js";
import { h, clear, iconButton, toast, toastError, errorMessage, confirmDialog } from "../core/dom.js";
import { t } from "../core/i18n.js";
import { registerAction } from "./registry.js";
import { extensionOf, isFolder } from "./browse-util.js";
import { canDownload, canChange, filesChanged, single, owned, startDownload } from "./actions-util.js";

const KINDS = [
  ["image", "jpg jpeg png gif bmp webp svg avif ico"],
  ["video", "mp4 webm mov m4v ogv mkv"],
  ["audio", "mp3 wav ogg oga m4a aac flac opus"],
  ["pdf", "pdf"],
  ["text", "txt md markdown log csv tsv json js mjs ts tsx jsx py go rs java c h cpp hpp cs rb php sh bash zsh "
    + "yaml yml toml xml html htm css scss sql ini conf cfg env properties kt swift lua r pl gitignore dockerfile srt vtt"],
];
const KIND_BY_EXT = new Map(KINDS.flatMap(([kind, exts]) => exts.split(" ").map((e) => [e, kind])));
const ZOOM_STEPS = [1, 1.5, 2, 3, 4, 6, 8];
const TEXT_LIMIT = 4 * 1024 * 1024; // larger text is better downloaded than shown in a text area

export function previewKind(file) {
  return isFolder(file) ? null : KIND_BY_EXT.get(extensionOf(file.name)) || null;
}

async function contentUrl(file) {
  const { urls } = await post("/file/url", { uris: [file.path] });
  return urls[0].url;
}

async function saveText(file, text) {
  const envelope = await apiEnvelope("PUT", "/file/content", {
    query: { uri: file.path, previous: file.primary_entity },
    rawBody: new Blob([text], { type: "text/plain" }),
    headers: { "Content-Type": "application/octet-stream" },
  });
  if (envelope.code !== 0) throw new ApiError(envelope.code, envelope.msg, envelope.data);
  return envelope.data;
}

function openPreview(start, view) {
  const images = previewKind(start) === "image"
    ? view.files().filter((f) => previewKind(f) === "image")
    : [start];
  let index = Math.max(0, images.findIndex((f) => f.path === start.path));
  let file = images[index] || start;
  let dirty = false;
  let loading = null; // AbortController of the file being shown

  const title = h("h2.preview-title");
  const position = h("span.preview-position.muted", { "aria-live": "polite" });
  const stage = h("div.preview-stage");
  const saveButton = h("button.primary.preview-save", { type: "button", hidden: true, disabled: true }, t("preview.save"));
  const zoomOutButton = iconButton("zoomOut", t("preview.zoomOut"), () => zoomBy(-1));
  const zoomInButton = iconButton("zoomIn", t("preview.zoomIn"), () => zoomBy(1));
  const prevButton = iconButton("back", t("preview.previous"), () => step(-1), { class: "preview-prev" });
  const nextButton = iconButton("chevron", t("preview.next"), () => step(1), { class: "preview-next" });
  const el = h("dialog.preview", { "aria-labelledby": "preview-title" },
    h("header.preview-bar", null,
      title, position, h("span.preview-spacer"),
      zoomOutButton, zoomInButton, prevButton, nextButton, saveButton,
      iconButton("download", t("actions.download"), async () => {
        try {
          const { urls } = await post("/file/url", { uris: [file.path], download: true });
          startDownload(urls[0].url, file.name);
        } catch (err) { toastError(err); }
      }),
      iconButton("close", t("preview.close"), () => close())),
    stage);
  title.id = "preview-title";

  async function close() {
    if (dirty && !await confirmDialog(t("preview.close"), t("preview.unsaved"))) return;
    loading?.abort();
    el.close();
    el.remove();
  }

  function step(delta) {
    if (images.length < 2) return;
    index = (index + delta + images.length) % images.length;
    file = images[index];
    show();
  }

  // ---- image zoom: 1 fits the window; above it the stage scrolls, and zooming keeps its centre ----
  let zoom = 1;
  let fitWidth = 0;

  function setZoom(next) {
    const img = stage.querySelector(".preview-image");
    if (!img || !img.complete) return;
    const centre = [(stage.scrollLeft + stage.clientWidth / 2) / (stage.scrollWidth || 1),
      (stage.scrollTop + stage.clientHeight / 2) / (stage.scrollHeight || 1)];
    if (zoom === 1) fitWidth = img.clientWidth;
    zoom = next;
    stage.classList.toggle("zoomed", zoom !== 1);
    img.style.width = zoom === 1 ? "" : `${Math.round(fitWidth * zoom)}px`;
    stage.scrollLeft = centre[0] * stage.scrollWidth - stage.clientWidth / 2;
    stage.scrollTop = centre[1] * stage.scrollHeight - stage.clientHeight / 2;
    zoomOutButton.disabled = zoom === ZOOM_STEPS[0];
    zoomInButton.disabled = zoom === ZOOM_STEPS.at(-1);
  }

  function zoomBy(direction) {
    const i = ZOOM_STEPS.indexOf(zoom);
    setZoom(ZOOM_STEPS[Math.max(0, Math.min(ZOOM_STEPS.length - 1, i + direction))]);
  }

  function failed(err) {
    clear(stage).append(h("p.preview-message", { role: "alert" }, err ? errorMessage(err) : t("preview.failed")));
  }

  async function show() {
    loading?.abort();
    const controller = (loading = new AbortController());
    dirty = false;
    saveButton.hidden = true;
    zoom = 1;
    stage.classList.remove("zoomed");
    zoomOutButton.hidden = zoomInButton.hidden = previewKind(file) !== "image";
    zoomOutButton.disabled = true;
    zoomInButton.disabled = false;
    title.textContent = file.name;
    const many = images.length > 1;
    prevButton.hidden = nextButton.hidden = !many;
    position.textContent = many ? t("preview.position", { i: index + 1, n: images.length }) : "";
    clear(stage).append(h("p.preview-message.muted", null, t("common.loading")));
    const kind = previewKind(file);
    let url;
    try { url = await contentUrl(file); } catch (err) { if (!controller.signal.aborted) failed(err); return; }
    if (controller.signal.aborted) return;
    if (kind === "image") {
      const img = h("img.preview-image", { src: url, alt: file.name, onerror: () => failed(),
        ondblclick: () => setZoom(zoom === 1 ? 2 : 1) });
      clear(stage).append(img);
    } else if (kind === "video") {
      clear(stage).append(h("video.preview-media", { src: url, controls: true, autoplay: true, "aria-label": file.name, preload: "metadata" }));
    } else if (kind === "audio") {
      clear(stage).append(h("audio.preview-audio", { src: url, controls: true, autoplay: true, "aria-label": file.name }));
    } else if (kind === "pdf") {
      clear(stage).append(h("iframe.preview-frame", { src: url, title: file.name }));
    } else {
      await showText(url, controller.signal);
    }
  }

  async function showText(url, signal) {
    if (file.size > TEXT_LIMIT) { clear(stage).append(h("p.preview-message", null, t("preview.tooLarge"))); return; }
    let text;
    try {
      const response = await fetch(url, { signal });
      if (!response.ok) throw new ApiError(response.status, "");
      text = await response.text();
    } catch (err) {
      if (!signal.aborted) failed(err instanceof ApiError ? null : err);
      return;
    }
    if (signal.aborted) return;
    const editable = canChange(view) && owned([file]);
    const area = h("textarea.preview-text", {
      "aria-label": t("preview.edit", { name: file.name }), spellcheck: "false", readonly: !editable,
      oninput: () => { dirty = true; saveButton.disabled = false; },
    });
    area.value = text;
    saveButton.hidden = !editable;
    saveButton.disabled = true;
    saveButton.onclick = async () => {
      saveButton.disabled = true;
      try {
        const saved = await saveText(file, area.value);
        file = { ...file, ...saved };
        images[index] = file;
        dirty = false;
        filesChanged([file]);
        emit("capacity-changed");
        toast(t("preview.saved"), "success");
      } catch (err) {
        saveButton.disabled = false;
        toastError(err);
      }
    };
    clear(stage).append(area);
  }

  el.addEventListener("cancel", (e) => { e.preventDefault(); close(); });
  el.addEventListener("keydown", (e) => {
    if (e.target.closest("textarea, input, video, audio")) return;
    if (e.key === "ArrowLeft") step(-1);
    if (e.key === "ArrowRight") step(1);
    if (e.key === "+" || e.key === "=") zoomBy(1);
    if (e.key === "-") zoomBy(-1);
    if (e.key === "0") setZoom(1);
  });
  stage.addEventListener("wheel", (e) => {
    if (!e.ctrlKey || !stage.querySelector(".preview-image")) return;
    e.preventDefault();  // the page itself must not zoom
    zoomBy(e.deltaY < 0 ? 1 : -1);
  }, { passive: false });
  document.body.append(el);
  el.showModal();
  show();
}

registerAction({
  id: "preview", icon: "file", label: () => t("actions.open"), order: 5, default: true,
  when: (files, view) => single(files) && previewKind(files[0]) !== null && canDownload(files, view),
  run: (files, view) => openPreview(files[0], view),
});
