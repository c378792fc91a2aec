// Placeholder: replaced by the real page.
import { h } from "../core/dom.js";

export default {
  auth: false,
  layout: "bare",
  mount(outlet) { outlet.append(h("h1", null, "session")); return {}; },
};
