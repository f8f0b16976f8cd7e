"""The audit log as people read it: entries and the verification of the hash chain (the
chain itself is kept by `tierwise.db.audit`)."""
