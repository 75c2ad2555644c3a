// DOM builders for panels that keep Alpine out of their DOM (the terminal, the file
// browser, plugins' panels): h() for elements and makeIcon() for stroke icons. Text always
// goes in through textContent, because names and messages come from the network. Plugins
// may import this module (docs/frontend-plugins.md).
const SVG = "http://www.w3.org/2000/svg";

// h("button", { class: "btn", type: "button", onclick: fn, text: "Label" }, otherNode)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A 24x24 stroke icon (currentColor; base.css styles svg) from SVG path data; an entry
// "circle:cx,cy,r" draws a circle.
export function makeIcon(paths) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    if (d.startsWith("circle:")) {
      const [cx, cy, r] = d.slice(7).split(",");
      const circle = document.createElementNS(SVG, "circle");
      circle.setAttribute("cx", cx);
      circle.setAttribute("cy", cy);
      circle.setAttribute("r", r);
      svg.append(circle);
    } else {
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      svg.append(path);
    }
  }
  return svg;
}
