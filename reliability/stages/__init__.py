"""Pipeline stages: each a pure function from config and earlier artifacts to its artifact."""
