// Placeholder: replaced by the real page.
import { h } from "../core/dom.js";

export default {
  mount(outlet) { outlet.append(h("h1", null, "home")); return {}; },
};
