"""Where jiance's raw bytes come from: the one HTTP client (``http``), robots.txt rules (``robots``) and,
later, feeds, pages and folders built on top of them."""
