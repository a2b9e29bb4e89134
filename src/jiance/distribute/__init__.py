"""Distribution: getting built editions, alerts and digests to people, once (email, IM bots, webhooks)."""
