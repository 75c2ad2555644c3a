// Demo mode (SSHGATE_DEMO_MODE): the banner's state, read from the public config. The CSP
// build of Alpine evaluates plain property paths and calls only, hence a component.
import Alpine from "../vendor/alpine/alpine.esm.min.js";

function demoConfig(store) {
  const extra = store.config.extra || {};
  return extra.demo || { enabled: false };
}

Alpine.data("demoBanner", () => ({
  shown() {
    return Boolean(demoConfig(this.$store.gate).enabled);
  },
  minutes() {
    return String(Math.max(1, Math.round((demoConfig(this.$store.gate).reset_interval || 0) / 60)));
  },
}));
