"""Messages to partners: notices rendered in the partner's language, queued once, paged."""
