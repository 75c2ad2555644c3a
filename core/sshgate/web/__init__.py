"""HTTP surface of the core: error shape, security headers, meta routes, docs and the page."""
