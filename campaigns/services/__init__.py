"""One function per action (docs/architecture.md): lock, check, change, append an `Event`, all in one
transaction. Refusals raise cases.errors (400 input naming the field, 403 role/scope, 409 state)."""
