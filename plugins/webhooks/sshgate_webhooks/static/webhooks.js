// The webhooks plugin's front end: the Webhooks screen for administrators (user menu and
// command palette). Loaded by the page from the plugin's extra_js_urls hook; the styles
// come from webhooks.css (extra_css_urls).
import { registerPlugin } from "../../app/plugins.js";
import { mountWebhooks } from "./screen.js";

const admins = (ctx) => ctx.isAdmin();
const open = (ctx) => ctx.openPanel("webhooks");

registerPlugin("webhooks", {
  panels: [{ id: "webhooks", title: "Webhooks", single: true, alpine: true, when: admins, mount: mountWebhooks }],
  menuItems: [{ id: "webhooks", label: "Webhooks", when: admins, run: open }],
  paletteCommands: [{ id: "webhooks", label: "Webhooks: signed event deliveries", when: admins, run: open }],
});
